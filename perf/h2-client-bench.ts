/**
 * Load generator on the h2 client engine alone (no gRPC layer): unary 64-byte echo calls.
 *   node dist/perf/h2-client-bench.js [--port 50051] [--conns 1] [--streams 100] [--seconds 10]
 * Prints calls/s and the client's CPU per call, to show how much one core can drive.
 */
import net from "node:net";
import type { ClientSession, ClientStreamHandler, HeaderMap } from "../src/engine/types.js";
import { h2ClientEngine } from "../src/engine/h2/index.js";

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? (process.argv[i + 1] as string) : fallback;
}

const port = Number(arg("port", "50051"));
const conns = Number(arg("conns", "1"));
const streams = Number(arg("streams", "100"));
const seconds = Number(arg("seconds", "10"));
const PATH = "/fastgrpc.echo.v1.EchoService/Echo";
const NO_METADATA = {};
const payload = Buffer.alloc(66, 0x78);
payload[0] = 0x0a;
payload[1] = 0x40;
const FRAME = Buffer.alloc(5 + payload.length);
FRAME.writeUInt32BE(payload.length, 1);
payload.copy(FRAME, 5);

let ok = 0;
let failed = 0;
let running = true;

/** One call slot: starts its next call when the previous one closes (one handler object per slot, reused). */
class Slot implements ClientStreamHandler {
  private status = 0;
  private grpcOk = false;

  constructor(private readonly session: ClientSession) {}

  start(): void {
    if (!running || !this.session.usable) return;
    this.status = 0;
    this.grpcOk = false;
    this.session.request(PATH, NO_METADATA, this).sendMessage(FRAME, true);
  }

  onHeaders(status: number, headers: HeaderMap, endStream: boolean): void {
    this.status = status;
    if (endStream) this.grpcOk = headers["grpc-status"] === "0";
  }

  onData(): void {}

  onTrailers(trailers: HeaderMap): void {
    this.grpcOk = trailers["grpc-status"] === "0";
  }

  onClose(resetCode: number | null): void {
    if (resetCode === null && this.status === 200 && this.grpcOk) ok++;
    else failed++;
    this.start();
  }
}

async function main(): Promise<void> {
  for (let c = 0; c < conns; c++) {
    const socket = net.connect({ port, host: "127.0.0.1", noDelay: true });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const session = h2ClientEngine.connect(socket, { authority: `127.0.0.1:${port}` }, {});
    for (let s = 0; s < streams; s++) new Slot(session).start();
  }
  const warm = 1000;
  await new Promise((r) => setTimeout(r, warm));
  const okStart = ok;
  const cpuStart = process.cpuUsage();
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const n = ok - okStart;
  running = false;
  process.stdout.write(`h2 client: ${conns} conn x ${streams} streams, ${n} calls in ${elapsed.toFixed(1)} s = ` +
    `${Math.round(n / elapsed)} calls/s, ${failed} failed, client CPU ${((cpu.user + cpu.system) / n).toFixed(2)} us/call ` +
    `(${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(0)}% of a core)\n`);
  process.exit(0);
}

void main();
