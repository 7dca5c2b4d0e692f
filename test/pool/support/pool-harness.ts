/** Echo calls straight over a ConnectionPool (so tests control every pool option), and servers that count calls. */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { ConnectionPool, type PoolOptions } from "../../../src/client/pool.js";
import { buildConnector, type Connector } from "../../../src/client/connector.js";
import { ClientUnaryCall } from "../../../src/client/unary-call.js";
import { nodeClientEngine } from "../../../src/engine/node/client.js";
import type { ClientSession } from "../../../src/engine/types.js";
import { EchoRequestSchema, EchoResponseSchema } from "../../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { silentLogger } from "../../../src/log/logger.js";
import { encodeFrame } from "../../../src/protocol/framing.js";
import { GrpcServer } from "../../../src/server/server.js";
import { createEchoService, EchoService } from "../../../src/services/echo.js";
import { parseAddress } from "../../../src/transport/address.js";

const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";

/** One Echo call on whatever session the pool picks; resolves the echoed text. */
export function echo(pool: ConnectionPool, text: string, timeoutMs = 5000): Promise<string> {
  const frame = encodeFrame(toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: new TextEncoder().encode(text) })));
  return new Promise<Uint8Array>((resolve, reject) => {
    const call = new ClientUnaryCall(resolve, reject, 1 << 20);
    call.arm(timeoutMs, undefined);
    const start = (session: ClientSession) => {
      if (call.isSettled) return;
      const stream = session.request(ECHO_PATH, {}, call);
      call.stream = stream;
      stream.sendMessage(frame, true);
    };
    const picked = pool.pick();
    if (picked instanceof Promise) picked.then(start, (error: unknown) => reject(error));
    else start(picked);
  }).then((bytes) => new TextDecoder().decode(fromBinary(EchoResponseSchema, bytes).payload));
}

/** The standard connector, counting the sessions it opened per target URL. */
export function countingConnector(): { connector: Connector; opened: Map<string, number> } {
  const base = buildConnector(nodeClientEngine);
  const opened = new Map<string, number>();
  const connector: Connector = async (request) => {
    const session = await base(request);
    const key = `tcp://${request.address.scheme === "tcp" ? `${request.address.host}:${request.address.port}` : "?"}`;
    opened.set(key, (opened.get(key) ?? 0) + 1);
    return session;
  };
  return { connector, opened };
}

export interface CountingServer {
  server: GrpcServer;
  url: string;
  /** Echo calls answered. */
  calls: number;
}

/** An Echo server on 127.0.0.1 (port 0 unless given) whose Echo waits `delayMs` and counts its calls. */
export async function countingServer(options: { port?: number; delayMs?: number; maxConcurrentStreams?: number } = {}): Promise<CountingServer> {
  const server = new GrpcServer({ log: silentLogger(), ...(options.maxConcurrentStreams ? { maxConcurrentStreams: options.maxConcurrentStreams } : {}) });
  const base = createEchoService(silentLogger());
  const state: CountingServer = { server, url: "", calls: 0 };
  server.addService(EchoService, {
    ...base,
    async echo(request, context) {
      if (options.delayMs) await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      state.calls++;
      return base.echo(request, context);
    },
  });
  state.url = (await server.listen(`tcp://127.0.0.1:${options.port ?? 0}`)).url;
  return state;
}

export function pool(urls: readonly string[], connector: Connector, options: Partial<PoolOptions> = {}): ConnectionPool {
  return new ConnectionPool(urls.map((url) => parseAddress(url)), connector, { maxSessions: 1, connectTimeoutMs: 2000, ...options });
}

/** A TCP port that nothing listens on (bound once, then released). */
export async function freePort(): Promise<number> {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
