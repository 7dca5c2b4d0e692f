/**
 * A bare node:http2 "gRPC" server whose answer to the n-th stream (from 0) is scripted: refuse it (RST_STREAM
 * REFUSED_STREAM), GOAWAY above it, answer a status (trailers-only or after headers, with trailers such as
 * grpc-retry-pushback-ms), hold it, or echo the request frame back as the response (callRaw returns its bytes).
 */
import http2 from "node:http2";

export type Answer =
  | { kind: "refuse" }
  | { kind: "refuse-after-headers" }
  | { kind: "goaway" }
  | { kind: "echo"; delayMs?: number }
  | { kind: "hold" }
  | { kind: "status"; code: number; trailers?: Record<string, string>; afterHeaders?: boolean; atRequestEnd?: boolean };

export interface ScriptedServer {
  url: string;
  /** Streams seen, in order, with the session (index into `sessions`) and headers each came on. */
  streams: Array<{ session: number; headers: http2.IncomingHttpHeaders; bytes: number; resetCode?: number }>;
  sessions: http2.ServerHttp2Session[];
  /** Resolves once `count` streams have arrived. */
  arrivals(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function scriptedServer(script: (index: number) => Answer): Promise<ScriptedServer> {
  const sessions: http2.ServerHttp2Session[] = [];
  const streams: ScriptedServer["streams"] = [];
  let waiters: Array<() => void> = [];
  const server = http2.createServer();
  server.on("session", (session) => {
    sessions.push(session);
    session.on("error", () => {});
  });
  server.on("stream", (stream, headers) => {
    const session = stream.session as http2.ServerHttp2Session;
    const index = streams.length;
    const seen: ScriptedServer["streams"][number] = { session: sessions.indexOf(session), headers, bytes: 0 };
    streams.push(seen);
    stream.on("close", () => { seen.resetCode = stream.rstCode; });
    for (const wake of waiters.splice(0)) wake();
    stream.on("error", () => {});
    const answer = script(index);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => {
      chunks.push(chunk);
      seen.bytes += chunk.length;
    });
    switch (answer.kind) {
      case "refuse":
        stream.close(http2.constants.NGHTTP2_REFUSED_STREAM);
        return;
      case "refuse-after-headers":
        // waitForTrailers: close() then ends the stream with RST_STREAM alone, not with an END_STREAM DATA frame first.
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        setImmediate(() => stream.close(http2.constants.NGHTTP2_REFUSED_STREAM));
        return;
      case "goaway":
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, (stream.id ?? 1) - 2); // this stream is above the last processed one
        return;
      case "hold":
        return;
      case "status":
        if (answer.atRequestEnd) {
          stream.on("end", () => {
            if (!stream.destroyed) stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(answer.code), ...answer.trailers }, { endStream: true });
          });
        } else if (answer.afterHeaders) {
          stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": String(answer.code), ...answer.trailers }));
          stream.end();
        } else {
          stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(answer.code), ...answer.trailers }, { endStream: true });
        }
        return;
      case "echo":
        stream.on("end", () => {
          const reply = () => {
            if (stream.destroyed) return;
            stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
            stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
            stream.end(Buffer.concat(chunks));
          };
          if (answer.delayMs === undefined) reply();
          else setTimeout(reply, answer.delayMs);
        });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return {
    url: `tcp://127.0.0.1:${port}`,
    streams,
    sessions,
    arrivals: (count) => new Promise<void>((resolve) => {
      const check = () => {
        if (streams.length >= count) resolve();
        else waiters.push(check);
      };
      check();
    }),
    close: () => new Promise<void>((resolve) => {
      waiters = [];
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    }),
  };
}
