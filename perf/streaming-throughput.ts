/**
 * Bidi streaming throughput against any server of fastgrpc.echo.v1.EchoService/EchoStream: one call on one
 * connection, request messages of SIZE bytes pushed as fast as the stream takes them with at most IN_FLIGHT
 * unanswered, each echoed back. After 1 s of warm-up it counts SECONDS of answers and prints messages/s, MB/s
 * (payload bytes echoed, one direction) and the client's CPU per message. The same client (fastgrpc, h2 engine)
 * against each server, so the servers are what differs.
 *
 *   taskset -c 1 node dist/perf/streaming-throughput.js PORT SECONDS SIZE [IN_FLIGHT]
 *   perf/streaming-compare.sh ROUNDS      # fastgrpc, raw node:http2 and C++ gRPC servers, 1 KiB and 64 KiB
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { GrpcClient } from "../src/client/client.js";
import { EchoStreamRequestSchema } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";

const [portText, secondsText, sizeText, inFlightText] = process.argv.slice(2);
const port = Number(portText);
const seconds = Number(secondsText ?? "4");
const size = Number(sizeText ?? "1024");
const inFlight = Number(inFlightText ?? (size >= 65536 ? "16" : "128"));
if (!Number.isInteger(port) || !(seconds > 0) || !(size >= 0) || !(inFlight >= 1)) {
  console.error("usage: streaming-throughput.js PORT SECONDS SIZE [IN_FLIGHT]");
  process.exit(2);
}

const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { maxMessageBytes: 16 * 1024 * 1024 });
const request = toBinary(EchoStreamRequestSchema, create(EchoStreamRequestSchema, { payload: new Uint8Array(size).fill(7) }));
let sent = 0;
let received = 0;
let counted = 0;
let counting = false;
let stop = false;
/** Resumes the request generator once an answer makes room (null while it is not waiting). */
const waiter: { wake: (() => void) | null } = { wake: null };

async function* requests(): AsyncGenerator<Uint8Array> {
  while (!stop) {
    if (sent - received >= inFlight) {
      await new Promise<void>((resolve) => { waiter.wake = resolve; });
      continue;
    }
    sent++;
    yield request;
  }
}

const done = (async () => {
  for await (const _response of client.streamRaw("/fastgrpc.echo.v1.EchoService/EchoStream", requests())) {
    received++;
    if (counting) counted++;
    const resume = waiter.wake;
    if (resume !== null) {
      waiter.wake = null;
      resume();
    }
  }
})();

await new Promise((resolve) => setTimeout(resolve, 1000)); // warm-up
counting = true;
const started = performance.now();
const cpuBefore = process.cpuUsage();
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
counting = false;
const cpu = process.cpuUsage(cpuBefore);
const elapsed = (performance.now() - started) / 1000;
stop = true;
waiter.wake?.();
await done;
await client.close();
const perSecond = counted / elapsed;
console.log(`${size} B: ${Math.round(perSecond)} messages/s, ${(perSecond * size / 1e6).toFixed(1)} MB/s, client CPU ${((cpu.user + cpu.system) / counted).toFixed(2)} us/message, ${received} messages in all`);
