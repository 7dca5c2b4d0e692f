/**
 * The "raw node:http2 echo": the least a gRPC server on node:http2 can do per call (collect the body, check the
 * 5-byte prefix, respond, trailers on wantTrailers). It is the ceiling for any stack built on node:http2, and
 * the yardstick the core issue measures fastgrpc against. Usage: node raw-node-echo.js PORT
 * The bidi EchoStream is served the least costly way too: request and response messages have the same encoding,
 * so the request's DATA is written back as it arrives (with node:http2's back-pressure), trailers at its end.
 * The server-streaming Download is raw-node-download.ts.
 */
import http2 from "node:http2";
import { DOWNLOAD_PATH, serveDownload } from "./raw-node-download.js";

const port = Number(process.argv[2] ?? 50061);
const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
server.on("stream", (stream, headers) => {
  stream.on("error", () => undefined);
  if (headers[":path"] === "/fastgrpc.echo.v1.EchoService/EchoStream") return echoStream(stream);
  if (headers[":path"] === DOWNLOAD_PATH) return serveDownload(stream);
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("end", () => {
    if (stream.destroyed || stream.closed) return;
    const body = chunks.length === 1 ? chunks[0] ?? Buffer.alloc(0) : Buffer.concat(chunks);
    if (body.length < 5 || body.readUInt32BE(1) !== body.length - 5) {
      stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "13" }, { endStream: true });
      return;
    }
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    stream.end(body);
  });
});
function echoStream(stream: http2.ServerHttp2Stream): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
  stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
  stream.on("data", (chunk: Buffer) => {
    if (!stream.write(chunk)) {
      stream.pause();
      stream.once("drain", () => stream.resume());
    }
  });
  stream.on("end", () => {
    if (!stream.destroyed && !stream.closed) stream.end();
  });
}

server.listen(port, "127.0.0.1", () => process.stdout.write(`raw node:http2 echo listening on tcp://127.0.0.1:${port}\n`));
process.on("SIGTERM", () => process.exit(0));
