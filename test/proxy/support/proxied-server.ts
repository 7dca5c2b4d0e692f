/**
 * The fastgrpc server the proxy tests put behind nginx and HAProxy: Echo (unary) whose payload picks what the
 * handler does, and the StreamTestService for the streaming kinds, scripted for early answers.
 *
 *   Echo payload "sleep:MS"       answers after MS milliseconds (deadlines)
 *   Echo payload "wait-abort"     waits until the call is cancelled and records it (cancellation)
 *   Echo payload "status:CODE:M"  fails with CODE and message M before any response: a trailers-only answer
 *   Count {count, payloadBytes}   server streaming: `count` chunks of `payloadBytes` bytes
 *   Sum                           client streaming: totals the chunks; a chunk with index 999 fails the call at once
 *                                 (FAILED_PRECONDITION) while the client is still sending: an early answer
 *   Pipe                          bidi: echoes each chunk
 */
import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "../../../src/errors/codes.js";
import { GrpcError } from "../../../src/errors/grpc-error.js";
import { silentLogger } from "../../../src/log/logger.js";
import type { CallContext } from "../../../src/server/service.js";
import { GrpcServer } from "../../../src/server/server.js";
import type { ServerEngineFactory } from "../../../src/engine/types.js";
import type { TlsServerOptions } from "../../../src/transport/tls.js";
import { EchoService } from "../../../src/services/echo.js";
import { StreamTestService } from "../../support/stream-test-service.js";

/** Messages up to 5 MiB pass (the 4 MiB tests), larger ones are the size-limit early answer. */
export const SERVER_MAX_MESSAGE_BYTES = 5 * 1024 * 1024;
export const FAIL_EARLY_INDEX = 999;

export interface ProxiedServer {
  readonly server: GrpcServer;
  readonly port: number;
  /** Reasons of the calls that saw their cancellation ("wait-abort"). */
  readonly aborts: unknown[];
}

/** `tls`: the server listens on tls:// with this certificate (nginx's grpc_pass grpcs://) instead of h2c. */
export async function startProxiedServer(engine: ServerEngineFactory, tls?: TlsServerOptions): Promise<ProxiedServer> {
  const aborts: unknown[] = [];
  const server = new GrpcServer({ log: silentLogger(), engine, maxMessageBytes: SERVER_MAX_MESSAGE_BYTES });
  server.addService(EchoService, {
    async echo(request: { payload: Uint8Array }, ctx: CallContext) {
      const text = request.payload.length < 64 ? Buffer.from(request.payload).toString() : "";
      if (text.startsWith("sleep:")) await sleep(Number(text.slice(6)));
      if (text === "wait-abort") {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        aborts.push(ctx.signal.reason);
      }
      if (text.startsWith("status:")) {
        const [, code, message] = text.split(":");
        throw new GrpcError(Number(code) as Code, message ?? "");
      }
      return { payload: request.payload };
    },
    async *echoStream(requests) {
      for await (const request of requests) yield { payload: request.payload };
    },
  });
  server.addService(StreamTestService, {
    async *count(request) {
      for (let index = 0; index < request.count; index++) yield { index, payload: new Uint8Array(request.payloadBytes) };
    },
    async sum(requests) {
      let count = 0;
      let bytes = 0n;
      for await (const chunk of requests) {
        if (chunk.index === FAIL_EARLY_INDEX) throw new GrpcError(Code.FAILED_PRECONDITION, "chunk 999 ends the call");
        count++;
        bytes += BigInt(chunk.payload.length);
      }
      return { count, bytes };
    },
    async *pipe(requests) {
      for await (const chunk of requests) yield chunk;
    },
    unused: () => ({}),
  });
  const listener = tls !== undefined ? await server.listen("tls://127.0.0.1:0", { tls }) : await server.listen("tcp://127.0.0.1:0");
  return { server, port: Number(new URL(listener.url).port), aborts };
}
