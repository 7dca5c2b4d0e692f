/**
 * A tiny test dispatcher on the engine seam and a TCP fixture around createH2ServerEngine. The dispatcher echoes
 * the request body; a few paths exercise other responses.
 *   /test.Echo/Echo        unary echo of the whole body (sendUnary)
 *   /test.Echo/Stream      echoes every DATA chunk as it arrives with sendMessage, trailers on end
 *   /test.Echo/Fail        trailers-only grpc-status 3 with a message needing percent-encoding
 *   /test.Echo/Metadata    echoes "x-*" request headers as response headers and trailers
 *   /test.Echo/Hold        never answers (cancellation tests)
 *   /test.Echo/Big?n=N     answers with one N-byte message
 *   /test.Echo/Sink        discards the body, answers with one message holding the body length as text
 */
import net from "node:net";
import type { ServerEngine, ServerStream, ServerStreamHandler, StreamDispatcher } from "../../../src/engine/types.js";
import { createH2ServerEngine } from "../../../src/engine/h2/index.js";
import type { H2Tuning } from "../../../src/engine/h2/tuning.js";
import type { Metadata } from "../../../src/protocol/metadata.js";

export interface EchoStats {
  streams: number;
  cancels: number;
  completed: number;
  paths: string[];
}

export function echoDispatcher(stats: EchoStats = { streams: 0, cancels: 0, completed: 0, paths: [] }): StreamDispatcher {
  return {
    onStream(stream: ServerStream): ServerStreamHandler {
      stats.streams++;
      if (stats.paths.length < 1000) stats.paths.push(stream.path);
      const chunks: Uint8Array[] = [];
      const path = stream.path.split("?")[0];
      return {
        onData(chunk) {
          if (path === "/test.Echo/Stream") stream.sendMessage(Buffer.from(chunk));
          else chunks.push(Buffer.from(chunk));
        },
        onEnd() {
          stats.completed++;
          const body = Buffer.concat(chunks);
          switch (path) {
            case "/test.Echo/Stream":
              stream.sendTrailers(0, "");
              return;
            case "/test.Echo/Fail":
              stream.sendTrailers(3, "bad argument: 100% wrong\n", { "x-detail": "yes" });
              return;
            case "/test.Echo/Metadata": {
              const md: Metadata = {};
              for (const [k, v] of Object.entries(stream.metadata())) if (k.startsWith("x-")) md[k] = v;
              stream.sendUnary(body, md, { "x-trailer": "t" });
              return;
            }
            case "/test.Echo/Hold":
              return;
            case "/test.Echo/Sink": {
              const text = Buffer.from(String(body.length));
              const msg = Buffer.alloc(5 + text.length);
              msg.writeUInt32BE(text.length, 1);
              text.copy(msg, 5);
              stream.sendUnary(msg);
              return;
            }
            case "/test.Echo/Big": {
              const n = Number(new URL(stream.path, "http://x").searchParams.get("n") ?? "0");
              const msg = Buffer.alloc(5 + n, 0x61);
              msg[0] = 0;
              msg.writeUInt32BE(n, 1);
              stream.sendUnary(msg);
              return;
            }
            default:
              stream.sendUnary(body);
          }
        },
        onCancel() {
          stats.cancels++;
        },
      };
    },
  };
}

export interface EchoServer {
  port: number;
  engine: ServerEngine;
  stats: EchoStats;
  errors: Error[];
  /** The server side of every accepted connection (to watch what the engine leaves in a socket). */
  sockets: net.Socket[];
  close(): Promise<void>;
}

export async function startEchoServer(tuning?: Partial<H2Tuning>, maxConcurrentStreams = 100): Promise<EchoServer> {
  const stats: EchoStats = { streams: 0, cancels: 0, completed: 0, paths: [] };
  const errors: Error[] = [];
  const sockets: net.Socket[] = [];
  const engine = createH2ServerEngine(echoDispatcher(stats), {
    maxConcurrentStreams,
    maxMessageBytes: 4 * 1024 * 1024,
    onConnectionError: (e) => errors.push(e),
  }, tuning);
  const server = net.createServer((socket) => {
    socket.setNoDelay(true);
    sockets.push(socket);
    engine.serveConnection(socket, { transport: "tcp", label: `${socket.remoteAddress}:${socket.remotePort}` });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    port, engine, stats, errors, sockets,
    async close() {
      server.close();
      await engine.shutdown(100);
    },
  };
}
