// perf/compare/grpc-js-echo.ts is a peer in bench-compare's payload sweep up to 4 MiB (docs/benchmarks.md §17). With
// grpc-js's default 4 MiB receive limit it answered a 4 MiB payload (a 4,194,309-byte message: the payload and its
// field header) with RESOURCE_EXHAUSTED and HTTP 200, which h2load counts as a success: the sweep then compared
// fastgrpc's echoes with refusals. It must echo the sweep's largest request byte for byte.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http2 from "node:http2";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../../perf/compare/grpc-js-echo.js", import.meta.url));

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  for (; rest > 0x7f; rest >>>= 7) bytes.push((rest & 0x7f) | 0x80);
  bytes.push(rest);
  return bytes;
}

/** An EchoRequest{payload} in its 5-byte gRPC frame, as perf/compare/echo-request.py writes it. */
function grpcFrame(payload: Buffer): Buffer {
  const message = Buffer.concat([Buffer.from([0x0a, ...varint(payload.length)]), payload]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

async function withServer<T>(body: (port: number) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [SERVER, "0"], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      child.on("exit", (code) => reject(new Error(`the grpc-js echo exited (${String(code)}): ${out}`)));
    });
    return await body(port);
  } finally {
    child.kill("SIGTERM");
  }
}

function call(port: number, request: Buffer): Promise<{ grpcStatus: unknown; body: Buffer }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  return new Promise<{ grpcStatus: unknown; body: Buffer }>((resolve, reject) => {
    const stream = session.request({ ":method": "POST", ":path": "/fastgrpc.echo.v1.EchoService/Echo", "content-type": "application/grpc", te: "trailers" });
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    // A refusal before any answer comes as trailers-only HEADERS.
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) resolve({ grpcStatus: headers["grpc-status"], body: Buffer.alloc(0) });
    });
    stream.on("trailers", (trailers) => resolve({ grpcStatus: trailers["grpc-status"], body: Buffer.concat(chunks) }));
    stream.on("error", reject);
    stream.end(request);
  }).finally(() => session.close());
}

test("echoes a 4 MiB payload (a 4,194,309-byte message) byte for byte with grpc-status 0", { timeout: 60_000 }, async () => {
  const payload = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = i % 251;
  const request = grpcFrame(payload);
  assert.equal(request.readUInt32BE(1), 4_194_309, "above gRPC's default 4,194,304-byte limit");
  const answer = await withServer((port) => call(port, request));
  assert.equal(answer.grpcStatus, "0");
  assert.deepEqual(answer.body, request);
});
