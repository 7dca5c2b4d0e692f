/**
 * Where a bidi call that pipelines large messages stalls behind HAProxy (docs/proxies.md, "Known limitation").
 *
 *   node dist/perf/haproxy-bidi-stall.js [--server fastgrpc-h2|fastgrpc-node|grpc-js] [--client h2|node]
 *        [--messages 3] [--bytes 4194304] [--timeout-ms 8000] [--direct] [--client-window BYTES]
 *   --client grpcio: Python grpcio (gRPC's C core) as the client; --client-window: the h2 client's initial window.
 *
 * client -> relay A -> HAProxy 2.6 (h2c front, h2 to the backend) -> relay B -> server (Pipe: echoes each chunk).
 * The relays (test/proxy/support/frame-relay.ts) forward bytes unchanged and read the frames, so that when the call
 * stalls the flow-control state of both hops is printed: how much each side may still send and what it has sent.
 * --direct leaves HAProxy out (client -> relay -> server). Prints one JSON line with the outcome, then the windows.
 */
import { execFile, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { GrpcClient } from "../src/client/client.js";
import { H2ClientEngine } from "../src/engine/h2/index.js";
import { clientEngine, serverEngine } from "../src/engine/registry.js";
import { silentLogger } from "../src/log/logger.js";
import { GrpcServer } from "../src/server/server.js";
import { StreamTestService } from "../test/support/stream-test-service.js";
import { startFrameRelay } from "../test/proxy/support/frame-relay.js";
import { startProxy } from "../test/proxy/support/proxies.js";
import { makeTestPki } from "../test/tls/certificates.js";

const args = new Map<string, string>();
for (let i = 2; i < process.argv.length; i++) {
  const name = process.argv[i] ?? "";
  if (name === "--direct") args.set("direct", "1");
  else args.set(name.replace(/^--/, ""), process.argv[++i] ?? "");
}
const serverKind = args.get("server") ?? "fastgrpc-h2";
const clientKind = args.get("client") ?? "h2";
const messages = Number(args.get("messages") ?? 3);
const bytes = Number(args.get("bytes") ?? 4 * 1024 * 1024);
const timeoutMs = Number(args.get("timeout-ms") ?? 8000);
const direct = args.has("direct");
const PIPE = "/fastgrpc.test.v1.StreamTestService/Pipe";

async function startBackend(): Promise<{ port: number; stop(): Promise<void> }> {
  if (serverKind === "grpc-js") {
    const server = new grpc.Server({ "grpc.max_receive_message_length": -1, "grpc.max_send_message_length": -1 });
    const raw = (value: Buffer) => value;
    server.addService({
      Pipe: { path: PIPE, requestStream: true, responseStream: true, requestSerialize: raw, requestDeserialize: raw, responseSerialize: raw, responseDeserialize: raw, originalName: "Pipe" },
    }, {
      // Echo with backpressure, as fastgrpc's Pipe does: read the next request once the echo is written.
      Pipe: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => {
        call.on("data", (chunk: Buffer) => {
          if (!call.write(chunk)) {
            call.pause();
            call.once("drain", () => call.resume());
          }
        });
        call.on("end", () => call.end());
        call.on("error", () => undefined);
      },
    });
    const port = await new Promise<number>((resolve, reject) => server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => error ? reject(error) : resolve(bound)));
    return { port, stop: () => new Promise((resolve) => server.tryShutdown(() => resolve())) };
  }
  const server = new GrpcServer({ log: silentLogger(), engine: serverEngine(serverKind === "fastgrpc-node" ? "node" : "h2"), maxMessageBytes: 64 * 1024 * 1024 });
  server.addService(StreamTestService, {
    count: async function* () { /* unused */ },
    sum: () => ({ count: 0, bytes: 0n }),
    async *pipe(requests) {
      for await (const chunk of requests) yield chunk;
    },
    unused: () => ({}),
  });
  const listener = await server.listen("tcp://127.0.0.1:0");
  return { port: Number(new URL(listener.url).port), stop: () => server.shutdown(100) };
}

async function main(): Promise<void> {
  const backend = await startBackend();
  const pki = makeTestPki();
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-stall-"));
  // Whatever happens next (a stalled stop, a reader that went away), the temp files go at exit.
  process.on("exit", () => {
    pki.remove();
    rmSync(dir, { recursive: true, force: true });
  });
  process.stdout.on("error", () => undefined); // `| head -1` closing the pipe is not a failure
  const relayB = await startFrameRelay(backend.port);
  const proxy = direct ? undefined : await startProxy("haproxy", dir, relayB.port, pki);
  const relayA = direct ? relayB : await startFrameRelay(proxy?.h2cPort ?? 0);
  if (clientKind === "grpcio") {
    // Python grpcio (gRPC's C core) as the client: the same pipelined bidi call.
    const started = Date.now();
    // Not spawnSync: the server runs on this event loop.
    const run = await new Promise<{ stdout: string; stderr: string }>((resolve) => {
      execFile("/usr/bin/python3", ["-c", GRPCIO_CLIENT, `127.0.0.1:${relayA.port}`, String(messages), String(bytes), String(timeoutMs / 1000)], { encoding: "utf8", timeout: timeoutMs + 10_000 }, (_error, stdout, stderr) => resolve({ stdout, stderr }));
    });
    await report(`${run.stdout.trim()} ${run.stderr.trim().slice(-300)}`, -1, -1, started);
    return;
  }
  // --client-window: the h2 client's SETTINGS_INITIAL_WINDOW_SIZE (its receive window per stream) instead of the default.
  const window = args.get("client-window");
  const engine = clientKind === "node" ? clientEngine("node") : window !== undefined ? new H2ClientEngine({ initialWindowSize: Number(window) }) : clientEngine("h2");
  const client = new GrpcClient(`tcp://127.0.0.1:${relayA.port}`, { engine, maxMessageBytes: 64 * 1024 * 1024 });
  let sent = 0;
  const received: number[] = [];
  async function* requests() {
    for (let index = 0; index < messages; index++) {
      yield { index, payload: new Uint8Array(bytes).fill(index & 0xff) };
      sent++;
    }
  }
  const started = Date.now();
  let outcome = "ok";
  try {
    for await (const chunk of client.bidiStream(StreamTestService.method.pipe, requests(), { timeoutMs })) received.push(chunk.payload.length);
  } catch (error) {
    outcome = error instanceof Error ? error.message : String(error);
  }
  await client.close(true);
  await report(outcome, sent, received.length, started);

  async function report(outcome: string, sent: number, received: number, started: number): Promise<void> {
    process.stdout.write(`${JSON.stringify({ server: serverKind, client: clientKind, haproxy: !direct, messages, bytes, outcome, sent, received, ms: Date.now() - started })}\n`);
    // Socket queues at the end: a Recv-Q that stays full is a reader that stopped reading.
    const ports = [relayA.port, relayB.port, backend.port, proxy?.h2cPort ?? 0].filter((port) => port > 0);
    const ss = spawnSync("ss", ["-tnH", "state", "established"], { encoding: "utf8" }).stdout ?? "";
    process.stdout.write(`sockets (ports: relay A ${relayA.port}, HAProxy ${proxy?.h2cPort ?? "-"}, relay B ${relayB.port}, server ${backend.port}):\n${ss.split("\n").filter((line) => ports.some((port) => line.includes(`:${port} `))).join("\n")}\n`);
    if (!direct) process.stdout.write(`client <-> HAProxy:\n${relayA.windows()}\n`);
    process.stdout.write(`${direct ? "client" : "HAProxy"} <-> server:\n${relayB.windows()}\n`);
    await proxy?.stop();
    await relayA.close();
    if (relayA !== relayB) await relayB.close();
    await backend.stop();
  }
}

const GRPCIO_CLIENT = `
import sys, grpc
target, n, size, timeout = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
def varint(v):
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        out.append(b | 0x80 if v else b)
        if not v:
            return bytes(out)
channel = grpc.insecure_channel(target, options=[("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)])
pipe = channel.stream_stream("${PIPE}", request_serializer=lambda x: x, response_deserializer=lambda x: x)
def requests():
    for i in range(n):
        yield b"\\x08" + varint(i) + b"\\x12" + varint(size) + bytes([i & 0xFF]) * size
try:
    print("grpcio ok, received", sum(1 for _ in pipe(requests(), timeout=timeout)))
except grpc.RpcError as e:
    print("grpcio", e.code().name, e.details())
`;

main().then(() => process.exit(0), (error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
