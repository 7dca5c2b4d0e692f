/**
 * The floor Node itself has for an open loop at a low rate on this machine: a minimal gRPC client over node:net,
 * no library, one pre-encoded 64-byte echo request (HPACK literals, so the same bytes every time) written in the
 * timer callback itself, one call per due time, and the answer noticed from the END_STREAM flag. What it costs per
 * call is a timer wake-up, a socket wake-up and Node's event loop around them; fastgrpc-bench at the same rate
 * cannot be cheaper than this (docs/loadgen-comparison.md).
 *
 *   node dist/perf/compare/node-floor-client.js PORT [RATE=1000] [SECONDS=5] [WARMUP_SECONDS=2]
 */
import net from "node:net";

const [portText = "", rateText = "1000", secondsText = "5", warmupText = "2"] = process.argv.slice(2);
const port = Number(portText);
const rate = Number(rateText);
const seconds = Number(secondsText);
if (!(port > 0) || !(rate > 0) || !(seconds > 0)) {
  console.error("usage: node-floor-client.js PORT [RATE] [SECONDS] [WARMUP_SECONDS]");
  process.exit(2);
}

/** HPACK "literal header field without indexing, new name" (RFC 7541 6.2.2): names and values under 127 bytes. */
function literal(name: string, value: string): Buffer {
  return Buffer.concat([Buffer.from([0, name.length]), Buffer.from(name), Buffer.from([value.length]), Buffer.from(value)]);
}

function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

const HEADERS = 1;
const DATA = 0;
const SETTINGS = 4;
const WINDOW_UPDATE = 8;
const END_STREAM = 1;
const END_HEADERS = 4;

const headerBlock = Buffer.concat([
  literal(":method", "POST"),
  literal(":scheme", "http"),
  literal(":path", "/fastgrpc.echo.v1.EchoService/Echo"),
  literal(":authority", "127.0.0.1"),
  literal("content-type", "application/grpc"),
  literal("te", "trailers"),
]);
const message = Buffer.concat([Buffer.from([0x0a, 0x40]), Buffer.alloc(64, 0x61)]); // EchoRequest{payload: 64 B}
const body = Buffer.concat([Buffer.from([0, 0, 0, 0, message.length]), message]);
const windowIncrement = Buffer.alloc(4);
windowIncrement.writeUInt32BE(1 << 30);

const socket = net.connect(port, "127.0.0.1");
socket.setNoDelay(true);
socket.write(
  Buffer.concat([Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), frame(SETTINGS, 0, 0, Buffer.alloc(0)), frame(WINDOW_UPDATE, 0, 0, windowIncrement)]),
);

const intervalMs = 1000 / rate;
let nextStreamId = 1;
let nextDue = 0;
let windowStart = 0;
let stopAt = 0;
let cpuStart: NodeJS.CpuUsage | undefined;
/** stream id -> [due, sent] (performance.now() ms) */
const inFlight = new Map<number, [number, number]>();
const service: number[] = [];
const corrected: number[] = [];
let pending: Buffer = Buffer.alloc(0);

socket.on("data", (chunk: Buffer) => {
  pending = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
  while (pending.length >= 9) {
    const length = pending.readUIntBE(0, 3);
    if (pending.length < 9 + length) break;
    const type = pending[3];
    const flags = pending[4] ?? 0;
    const streamId = pending.readUInt32BE(5) & 0x7fffffff;
    if (type === SETTINGS && (flags & 1) === 0) socket.write(frame(SETTINGS, 1, 0, Buffer.alloc(0)));
    const times = inFlight.get(streamId);
    if ((type === HEADERS || type === DATA) && (flags & END_STREAM) !== 0 && times !== undefined) {
      const now = performance.now();
      inFlight.delete(streamId);
      if (times[0] >= windowStart) {
        service.push(now - times[1]);
        corrected.push(now - Math.min(times[0], times[1]));
      }
    }
    pending = pending.subarray(9 + length);
  }
});

function tick(): void {
  const now = performance.now();
  if (cpuStart === undefined && now >= windowStart) cpuStart = process.cpuUsage();
  if (now >= stopAt) {
    const cpu = process.cpuUsage(cpuStart);
    setTimeout(() => report(cpu), 200);
    return;
  }
  while (nextDue <= now) {
    const streamId = nextStreamId;
    nextStreamId += 2;
    inFlight.set(streamId, [nextDue, now]);
    socket.write(Buffer.concat([frame(HEADERS, END_HEADERS, streamId, headerBlock), frame(DATA, END_STREAM, streamId, body)]));
    nextDue += intervalMs;
  }
  setTimeout(tick, Math.max(1, Math.floor(nextDue - performance.now())));
}

function percentile(sorted: readonly number[], p: number): number {
  return Math.round((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN) * 1000);
}

function report(cpu: NodeJS.CpuUsage): void {
  const n = service.length;
  const s = service.sort((a, b) => a - b);
  const c = corrected.sort((a, b) => a - b);
  const us = cpu.user + cpu.system;
  console.log(
    `node floor client ${rate}/s: ${n} calls, ${(us / 1e6 / seconds).toFixed(3)} cores, ${(us / n).toFixed(1)} us/call ` +
      `(user ${(cpu.user / n).toFixed(1)}, sys ${(cpu.system / n).toFixed(1)}), service p50 ${percentile(s, 0.5)} p99 ${percentile(s, 0.99)} us, ` +
      `corrected p50 ${percentile(c, 0.5)} p99 ${percentile(c, 0.99)} us`,
  );
  socket.destroy();
}

socket.on("connect", () => {
  nextDue = performance.now() + 100;
  windowStart = nextDue + Number(warmupText) * 1000;
  stopAt = windowStart + seconds * 1000;
  setTimeout(tick, 100);
});
socket.on("error", (error) => {
  console.error(`node-floor-client: ${error.message}`);
  process.exitCode = 1;
});
