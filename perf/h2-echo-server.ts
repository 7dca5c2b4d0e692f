/**
 * Standalone echo server for measuring the HTTP/2 engine alone with h2load:
 *   node dist/perf/h2-echo-server.js [--port 50051] [--engine h2|node]
 * "h2": fastgrpc's own engine with a minimal dispatcher (check the 5-byte gRPC prefix, echo the message).
 * "node": the raw node:http2 echo of /work/shared/README.md, for comparison in the same run.
 * Prints calls served and CPU per call every 5 s and on SIGINT/SIGTERM.
 */
import http2 from "node:http2";
import net from "node:net";
import type { ServerStream, ServerStreamHandler, StreamDispatcher } from "../src/engine/types.js";
import { createH2ServerEngine } from "../src/engine/h2/index.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

const port = Number(arg("port", "50051"));
const engineName = arg("engine", "h2");
let calls = 0;
let bad = 0;

/** Collects the request body and echoes it if it is one well-formed, uncompressed gRPC message. */
class EchoHandler implements ServerStreamHandler {
  private first: Uint8Array | null = null;
  private rest: Uint8Array[] | null = null;

  constructor(private readonly stream: ServerStream) {}

  onData(chunk: Uint8Array): void {
    if (this.first === null) this.first = chunk;
    else (this.rest ??= []).push(chunk);
  }

  onEnd(): void {
    const body = this.rest === null ? this.first : Buffer.concat([this.first as Uint8Array, ...this.rest]);
    if (body === null || body.length < 5 || body[0] !== 0
      || ((body[1] as number) << 24 | (body[2] as number) << 16 | (body[3] as number) << 8 | (body[4] as number)) !== body.length - 5) {
      bad++;
      this.stream.sendTrailers(13, "malformed gRPC frame");
      return;
    }
    calls++;
    this.stream.sendUnary(body);
  }

  onCancel(): void {}
}

const dispatcher: StreamDispatcher = { onStream: (stream) => new EchoHandler(stream) };

if (engineName === "node") {
  const server = http2.createServer({ settings: { maxConcurrentStreams: 1000 } });
  server.on("stream", (stream, headers) => {
    void headers;
    const chunks: Buffer[] = [];
    stream.on("error", () => {});
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      if (stream.destroyed || stream.closed) return;
      const body = Buffer.concat(chunks);
      if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) bad++;
      else calls++;
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(body);
    });
  });
  server.listen(port, "127.0.0.1");
} else {
  const engine = createH2ServerEngine(dispatcher, { maxConcurrentStreams: 1000, maxMessageBytes: 4 * 1024 * 1024 });
  const server = net.createServer({ noDelay: true }, (socket) => {
    engine.serveConnection(socket, { transport: "tcp", label: `${socket.remoteAddress}:${socket.remotePort}` });
  });
  server.listen(port, "127.0.0.1");
}

let lastCalls = 0;
let lastCpu = process.cpuUsage();
function report(): void {
  const cpu = process.cpuUsage(lastCpu);
  const n = calls - lastCalls;
  const usPerCall = n > 0 ? ((cpu.user + cpu.system) / n).toFixed(2) : "-";
  process.stdout.write(`${engineName}: ${calls} calls (${bad} bad), last interval ${n} calls, ${usPerCall} us CPU/call\n`);
  lastCalls = calls;
  lastCpu = process.cpuUsage();
}
setInterval(report, 5000).unref();
process.stdout.write(`${engineName} echo server on 127.0.0.1:${port}\n`);
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    report();
    process.exit(0);
  });
}
