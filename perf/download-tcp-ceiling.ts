/**
 * The loopback ceiling for perf/download-compare.sh: no HTTP/2, no gRPC, just node:net. `serve PORT` writes TOTAL
 * bytes (asked for in the client's first 8 bytes, as a uint64) in 1 MiB writes of one buffer, honouring write()'s
 * return value; `fetch PORT TOTAL` reads and counts them and prints MB/s and its CPU per MB. What is left between
 * this and a gRPC download is the cost of HTTP/2 and gRPC on both sides.
 *
 *   taskset -c 0 node dist/perf/download-tcp-ceiling.js serve PORT &
 *   taskset -c 1 node dist/perf/download-tcp-ceiling.js fetch PORT 1073741824
 *
 * Both sides start as fastgrpc's CLIs and the gRPC download client do (runtime/large-message-restart.ts): without
 * the malloc settings the reader's fresh 64 KiB chunks made this "ceiling" slower than the gRPC downloads.
 */
import "../src/cli/restart-for-large-messages.js";
import net from "node:net";

const [mode, portText, totalText] = process.argv.slice(2);
const port = Number(portText);
const CHUNK = Buffer.alloc(1024 * 1024, 7);

if (mode === "serve" && Number.isInteger(port)) {
  const server = net.createServer((socket) => {
    socket.on("error", () => undefined);
    socket.once("data", (request: Buffer) => {
      let left = request.length >= 8 ? Number(request.readBigUInt64BE(0)) : 0;
      const writeMore = (): void => {
        while (left > 0) {
          const chunk = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
          left -= chunk.length;
          if (!socket.write(chunk)) {
            socket.once("drain", writeMore);
            return;
          }
        }
        socket.end();
      };
      writeMore();
    });
  });
  server.listen(port, "127.0.0.1", () => process.stdout.write(`tcp ceiling listening on tcp://127.0.0.1:${port}\n`));
  process.on("SIGTERM", () => process.exit(0));
} else if (mode === "fetch" && Number.isInteger(port) && Number.isInteger(Number(totalText))) {
  const total = Number(totalText);
  const fetchOnce = (bytes: number): Promise<number> => new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1", () => {
      const request = Buffer.alloc(8);
      request.writeBigUInt64BE(BigInt(bytes));
      socket.write(request);
    });
    let received = 0;
    socket.on("data", (chunk: Buffer) => { received += chunk.length; });
    socket.on("end", () => resolve(received));
    socket.on("error", reject);
  });
  await fetchOnce(Math.min(total / 8, 64 * 1024 * 1024)); // warm-up
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const received = await fetchOnce(total);
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  if (received !== total) {
    console.error(`download-tcp-ceiling: got ${received} of ${total} bytes`);
    process.exitCode = 1;
  } else {
    console.log(`tcp: ${(received / 1e6 / seconds).toFixed(1)} MB/s, client CPU ${((cpu.user + cpu.system) / (received / 1e6)).toFixed(1)} us/MB, ${received} bytes in ${(seconds * 1000).toFixed(0)} ms`);
  }
} else {
  console.error("usage: download-tcp-ceiling.js serve PORT | fetch PORT TOTAL_BYTES");
  process.exit(2);
}
