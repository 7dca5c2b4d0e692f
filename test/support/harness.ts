/** Starts servers and clients for tests, and checks that nothing is left running afterwards. */
import { GrpcClient, type ClientOptions } from "../../src/client/client.js";
import { GrpcServer, type ServerOptions } from "../../src/server/server.js";
import { createEchoService, EchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import type { EngineUnderTest } from "./engines.js";

export interface Running {
  server: GrpcServer;
  url: string;
  client: GrpcClient;
  stop(): Promise<void>;
}

/** A server with the Echo service (plus whatever `setup` adds) on an ephemeral port, and a client for it. */
export async function startEcho(
  engine: EngineUnderTest,
  options: {
    listen?: string;
    /** Maps the listener's URL to the client's target (vsock://any:P is dialled as vsock://1:P). */
    dial?: (listenerUrl: string) => string;
    server?: ServerOptions;
    client?: ClientOptions;
    setup?: (server: GrpcServer) => void;
  } = {},
): Promise<Running> {
  const server = new GrpcServer({ log: silentLogger(), engine: engine.server, ...options.server });
  server.addService(EchoService, createEchoService(silentLogger()));
  options.setup?.(server);
  const listener = await server.listen(options.listen ?? "tcp://127.0.0.1:0");
  const client = new GrpcClient((options.dial ?? ((url) => url))(listener.url), { engine: engine.client, ...options.client });
  return {
    server,
    url: listener.url,
    client,
    async stop() {
      await client.close(true);
      await server.shutdown(1000);
    },
  };
}

/**
 * Resource kinds still active, for leak checks, timers included (a stall, preface or shutdown timer left behind
 * is a leak): the test runner's own timers are in the baseline too, so only what the test added counts.
 */
export function activeHandles(): string[] {
  return process.getActiveResourcesInfo().filter((kind) => kind !== "TTYWrap" && kind !== "FSReqCallback");
}

/** Waits until the active handles are back to `baseline`, or fails with what is left. */
export async function expectNoLeaks(baseline: string[], waitMs = 2000): Promise<void> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = activeHandles();
    if (now.length <= baseline.length) return;
    if (Date.now() > deadline) throw new Error(`leaked handles: ${JSON.stringify(now)} (before: ${JSON.stringify(baseline)})`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
