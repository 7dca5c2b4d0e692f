/**
 * --call on server-streaming and client-streaming methods (bidi is in any-service-calls.test.ts), with the schema
 * from reflection of a service built at run time: one stream is one call; --stream-messages requests per client
 * stream; --stream-duration cancels a server stream and counts it as OK.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { after, before, describe, it } from "node:test";
import { parseCommandLine, type BenchOptions } from "../../src/loadgen/options.js";
import { runBench } from "../../src/loadgen/run-bench.js";
import { GrpcServer } from "../../src/server/server.js";
import { StreamTestService } from "../support/stream-test-service.js";

function options(...argv: string[]): BenchOptions {
  const parsed = parseCommandLine(argv);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.options;
}

describe("fastgrpc-bench --call on streaming methods", () => {
  let server: GrpcServer;
  let target = "";
  const sums: number[] = [];

  before(async () => {
    server = new GrpcServer().addService(StreamTestService, {
      async *count(request) {
        // count 0 streams "forever" (every 10 ms), for the --stream-duration test.
        const total = request.count === 0 ? Number.POSITIVE_INFINITY : request.count;
        for (let index = 0; index < total; index++) {
          if (request.count === 0) await delay(10);
          yield { index, payload: new Uint8Array(request.payloadBytes) };
        }
      },
      async sum(requests) {
        let count = 0;
        for await (const _ of requests) count++;
        sums.push(count);
        return { count, bytes: 0n };
      },
    });
    target = (await server.listen("tcp://127.0.0.1:0")).url;
  });

  after(() => server.shutdown(0));

  it("server streaming: each stream is one call that ends with the server's status", async () => {
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.test.v1.StreamTestService/Count", "--data", '{"count":5,"payloadBytes":16}',
      "--requests", "40", "--concurrency", "4", "--warmup", "0s",
    ));
    assert.equal(report.call.kind, "server_streaming");
    assert.equal(report.ok, 40);
    assert.equal(report.failed, 0);
  });

  it("server streaming with --stream-duration: the stream is cancelled then and counts as OK", async () => {
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.test.v1.StreamTestService/Count", "--data", '{"count":0}',
      "--stream-duration", "150ms", "--requests", "4", "--concurrency", "2", "--warmup", "0s",
    ));
    assert.equal(report.ok, 4);
    assert.equal(report.failed, 0);
    assert.ok(report.latency.service.p50Us >= 140_000 && report.latency.service.p50Us < 1_000_000, `p50 ${report.latency.service.p50Us} us`);
  });

  it("client streaming: --stream-messages requests, then the one response", async () => {
    sums.length = 0;
    const report = await runBench(options(
      "--target", target, "--call", "fastgrpc.test.v1.StreamTestService/Sum", "--data", '{"index":1}',
      "--stream-messages", "4", "--requests", "20", "--concurrency", "2", "--warmup", "0s",
    ));
    assert.equal(report.call.kind, "client_streaming");
    assert.equal(report.ok, 20);
    assert.ok(sums.length >= 20 && sums.every((n) => n === 4), `requests per stream: ${sums.join(",")}`);
  });
});
