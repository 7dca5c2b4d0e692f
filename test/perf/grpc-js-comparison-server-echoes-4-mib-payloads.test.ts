// perf/compare/grpc-js-echo.ts is a peer in bench-compare's payload sweep up to 4 MiB (docs/benchmarks.md §17). With
// grpc-js's default 4 MiB receive limit it answered a 4 MiB payload (a 4,194,309-byte message: the payload and its
// field header) with RESOURCE_EXHAUSTED and HTTP 200, which h2load counts as a success: the sweep then compared
// fastgrpc's echoes with refusals. It must echo the sweep's largest request byte for byte.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { echoOverHttp2, withListeningScript } from "../support/comparison-peers.js";
import { echoRequestFrame } from "../support/echo-wire.js";

const SERVER = fileURLToPath(new URL("../../perf/compare/grpc-js-echo.js", import.meta.url));

test("echoes a 4 MiB payload (a 4,194,309-byte message) byte for byte with grpc-status 0", { timeout: 60_000 }, async () => {
  const payload = Buffer.alloc(4 * 1024 * 1024);
  for (let i = 0; i < payload.length; i += 4096) payload[i] = i % 251;
  const request = echoRequestFrame(payload);
  assert.equal(request.readUInt32BE(1), 4_194_309, "above gRPC's default 4,194,304-byte limit");
  const answer = await withListeningScript(SERVER, ["0"], async (port) => {
    const session = http2.connect(`http://127.0.0.1:${port}`);
    session.on("error", () => undefined);
    try {
      return await echoOverHttp2(session, request);
    } finally {
      session.close();
    }
  });
  assert.equal(answer.grpcStatus, "0");
  assert.deepEqual(answer.body, request);
});
