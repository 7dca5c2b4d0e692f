// perf/compare/canned-h2-server.ts stands for h2load's ceiling in docs/benchmarks.md §14: it must answer every
// stream, also when many are in flight and their requests span socket reads, with a well-formed gRPC response of
// the size it was started with (copied whole when small, DATA payloads shared when large), to a peer that is not
// fastgrpc (node:http2).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import http2 from "node:http2";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SERVER = fileURLToPath(new URL("../../perf/compare/canned-h2-server.js", import.meta.url));

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  for (; rest > 0x7f; rest >>>= 7) bytes.push((rest & 0x7f) | 0x80);
  bytes.push(rest);
  return bytes;
}

/** An EchoRequest{payload: payloadBytes bytes} in its 5-byte gRPC frame. */
function grpcFrame(payloadBytes: number): Buffer {
  const message = Buffer.concat([Buffer.from([0x0a, ...varint(payloadBytes)]), Buffer.alloc(payloadBytes, 1)]);
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

async function answersOf(answerBytes: number, requestBytes: number, streams: number) {
  const child = spawn(process.execPath, [SERVER, "0", String(answerBytes)], { stdio: ["ignore", "pipe", "inherit"] });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => {
        out += chunk.toString();
        const match = /listening on tcp:\/\/127\.0\.0\.1:(\d+)/.exec(out);
        if (match?.[1] !== undefined) resolve(Number(match[1]));
      });
      child.on("exit", (code) => reject(new Error(`the canned server exited (${String(code)}): ${out}`)));
    });
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const request = grpcFrame(requestBytes);
    const calls = Array.from({ length: streams }, () => new Promise<{ status: unknown; grpcStatus: unknown; body: Buffer }>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": "/fastgrpc.echo.v1.EchoService/Echo", "content-type": "application/grpc", te: "trailers" });
      let status: unknown;
      const chunks: Buffer[] = [];
      stream.on("response", (headers) => { status = headers[":status"]; });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("trailers", (trailers) => resolve({ status, grpcStatus: trailers["grpc-status"], body: Buffer.concat(chunks) }));
      stream.on("error", reject);
      stream.end(request);
    }));
    const answers = await Promise.all(calls);
    session.close();
    return answers;
  } finally {
    child.kill("SIGTERM");
  }
}

/** What an EchoResponse{payload: n bytes of "x"} looks like in its gRPC frame. */
function expectedAnswer(n: number): Buffer {
  return grpcFrame(n).fill(0x78, 5 + 1 + varint(n).length);
}

for (const [answerBytes, requestBytes] of [[300, 20_000], [40_000, 100]] as const) {
  test(`answers 200 concurrent streams (${requestBytes}-byte requests) with ${answerBytes}-byte echo responses and grpc-status 0`, { timeout: 30_000 }, async () => {
    const answers = await answersOf(answerBytes, requestBytes, 200);
    const expected = expectedAnswer(answerBytes);
    for (const answer of answers) {
      assert.equal(answer.status, 200);
      assert.equal(answer.grpcStatus, "0");
      assert.deepEqual(answer.body, expected, `5-byte prefix, field 1 of ${answerBytes} bytes`);
    }
  });
}

test("its gRPC frames are what a decoder expects: a 300-byte answer has the prefix 00 0000012f and field 1 tagged 0a ac02", () => {
  assert.deepEqual(expectedAnswer(300).subarray(0, 8), Buffer.from([0, 0, 0, 0x01, 0x2f, 0x0a, 0xac, 0x02]));
});
