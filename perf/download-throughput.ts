/**
 * Server-streaming download throughput against any server of fastgrpc.echo.v1.EchoService/Download: one call on
 * one connection asks for TOTAL bytes in messages of SIZE bytes and counts the payload bytes as they arrive
 * (client.serverStream, the typed API a user calls). A warm-up download of TOTAL/8 (at most 64 MiB) comes first, on
 * the same connection. Prints MB/s, messages/s and the client's CPU per MB. The same client against every server,
 * so the servers are what differs; ENGINE picks the client's HTTP/2 engine (h2, the default, or node).
 * DOWNLOAD_WINDOW=BYTES (h2 engine only) sets the stream receive window the client advertises (default the engine's
 * 256 KiB; the connection window becomes at least twice it): to see whether flow control is the limit.
 *
 *   taskset -c 1 node dist/perf/download-throughput.js PORT TOTAL_BYTES SIZE [ENGINE]
 *   perf/download-compare.sh ROUNDS TOTAL SIZES     # fastgrpc, raw node:http2 and C++ gRPC servers side by side
 */
// As fastgrpc's CLIs start (runtime/large-message-restart.ts): malloc and V8's heap tuned for large messages.
import "../src/cli/restart-for-large-messages.js";
import { GrpcClient } from "../src/client/client.js";
import { H2ClientEngine } from "../src/engine/h2/client-engine.js";
import { clientEngine, isEngineName } from "../src/engine/registry.js";
import { EchoService } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { capYoungGeneration } from "../src/runtime/young-generation.js";
import { timeDownload } from "./download-timing.js";

// As fastgrpc-bench and the other CLIs do (docs/benchmarks.md §12): message buffers die in scavenges.
capYoungGeneration();

const [portText, totalText, sizeText, engineText = "h2"] = process.argv.slice(2);
const port = Number(portText);
const total = Number(totalText ?? 2 ** 30);
const size = Number(sizeText ?? 65536);
if (!Number.isInteger(port) || !Number.isInteger(total) || !Number.isInteger(size) || size < 1 || total < size || !isEngineName(engineText)) {
  console.error("usage: download-throughput.js PORT TOTAL_BYTES SIZE [h2|node]");
  process.exit(2);
}
const count = Math.floor(total / size);
const window = Number(process.env.DOWNLOAD_WINDOW ?? 0);
if (!Number.isInteger(window) || window < 0 || window > 2 ** 31 - 1 || (window > 0 && engineText !== "h2")) {
  console.error("download-throughput: DOWNLOAD_WINDOW is a byte count up to 2^31-1, for the h2 engine only");
  process.exit(2);
}
const engine = window > 0
  ? new H2ClientEngine({ initialWindowSize: window, connectionWindowSize: Math.min(2 ** 31 - 1, Math.max(16 * 1024 * 1024, 2 * window)) })
  : clientEngine(engineText);
const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine, maxMessageBytes: 16 * 1024 * 1024 });

/** Downloads `messages` x SIZE and checks that every byte asked for arrived. */
async function download(messages: number): Promise<number> {
  let bytes = 0;
  let received = 0;
  for await (const response of client.serverStream(EchoService.method.download, { count: messages, messageBytes: size }, { timeoutMs: 300_000 })) {
    bytes += response.payload.length;
    received++;
  }
  if (received !== messages || bytes !== messages * size) throw new Error(`got ${received} messages, ${bytes} bytes; asked ${messages} x ${size}`);
  return bytes;
}

await timeDownload("download-throughput", size, total, count, download, () => client.close());
