// perf/compare/canned-h2-server.ts stands for h2load's ceiling in docs/benchmarks.md §14: it must answer every
// stream, also when many are in flight and their requests span socket reads, with a well-formed gRPC response of
// the size it was started with (copied whole when small, DATA payloads shared when large), to a peer that is not
// fastgrpc (node:http2).
import assert from "node:assert/strict";
import http2 from "node:http2";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { echoOverHttp2, withListeningScript } from "../support/comparison-peers.js";
import { echoRequestFrame, protobufVarint } from "../support/echo-wire.js";

const SERVER = fileURLToPath(new URL("../../perf/compare/canned-h2-server.js", import.meta.url));

/** An EchoRequest{payload: payloadBytes bytes} in its 5-byte gRPC frame. */
function echoRequestOf(payloadBytes: number): Buffer {
  return echoRequestFrame(Buffer.alloc(payloadBytes, 1));
}

async function answersOf(answerBytes: number, requestBytes: number, streams: number) {
  return withListeningScript(SERVER, ["0", String(answerBytes)], async (port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    const request = echoRequestOf(requestBytes);
    const answers = await Promise.all(Array.from({ length: streams }, () => echoOverHttp2(session, request)));
    session.close();
    return answers;
  });
}

/** What an EchoResponse{payload: n bytes of "x"} looks like in its gRPC frame. */
function expectedAnswer(n: number): Buffer {
  return echoRequestOf(n).fill(0x78, 5 + 1 + protobufVarint(n).length);
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
