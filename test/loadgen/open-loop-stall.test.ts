/**
 * The open loop's coordinated-omission correction: a 200 ms stall during a fixed-rate run must show in the latency
 * timed from the scheduled send times (corrected) and must not in the latency timed from the actual sends (service).
 */
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { summarize } from "../../src/loadgen/histogram.js";
import { LoadRun, type ThreadPlan } from "../../src/loadgen/load-run.js";
import { mergeResults } from "../../src/loadgen/merge.js";
import { encodeRequest } from "../../src/loadgen/request-message.js";
import { EchoService } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { GrpcServer } from "../../src/server/server.js";
import { stallEventLoop, timedCaller } from "./fake-callers.js";
import { withRetries } from "./with-retries.js";

const STALL_MS = 200;

const plan: ThreadPlan = {
  mode: "open",
  concurrency: 0,
  rate: 400, // 2.5 ms apart: 800 calls in 2 s, 80 of them due during the stall (10 %)
  phaseMs: 0,
  durationMs: 2_000,
  requests: undefined,
  warmupMs: 0,
  drainMs: 5_000,
};

async function measure(run: LoadRun) {
  const merged = mergeResults([await run.run()]);
  return { merged, corrected: summarize(merged.corrected), service: summarize(merged.service) };
}

describe("open loop: coordinated omission", () => {
  it("a stall shows in the corrected p99 and not in the service-time p99 (fake caller)", () => withRetries(async () => {
    const run = new LoadRun(timedCaller(1), plan);
    const stall = setTimeout(() => stallEventLoop(STALL_MS), 700);
    const { merged, corrected, service } = await measure(run);
    clearTimeout(stall);
    assert.equal(merged.failed, 0);
    assert.ok(merged.ok >= 790 && merged.ok <= 801, `the schedule sends rate x duration calls, not ${merged.ok}`);
    assert.ok(corrected.p99Us >= 150_000, `corrected p99 ${corrected.p99Us} us should show the 200 ms stall`);
    assert.ok(service.p99Us < 50_000, `service p99 ${service.p99Us} us should not`);
    assert.ok(merged.maxSendLagUs >= 150_000, "the send lag shows how late the stalled calls went out");
  }));

  describe("against a GrpcServer whose handler stalls once", () => {
    let server: GrpcServer;
    let client: GrpcClient;
    let calls = 0;

    before(async () => {
      server = new GrpcServer().addService(EchoService, {
        echo: (request) => {
          // The 280th call is due at 700 ms: the server freezes the process, as a long GC pause would.
          if (++calls === 280) stallEventLoop(STALL_MS);
          return { payload: request.payload };
        },
      });
      const listener = await server.listen("tcp://127.0.0.1:0");
      client = new GrpcClient(listener.url);
    });

    after(async () => {
      await client.close(true);
      await server.shutdown(0);
    });

    it("corrected p99 shows the stall, service-time p99 does not", () => withRetries(async () => {
      const { path, message } = encodeRequest({ service: "echo", payloadBytes: 64, keyType: undefined, algorithm: undefined });
      await client.callRaw(path, message); // connect before the clock starts
      calls = 0;
      const options = { timeoutMs: 5_000 };
      const run = new LoadRun((c) => void client.callRaw(path, message, options).then(c.ok, c.fail), plan);
      const { merged, corrected, service } = await measure(run);
      assert.equal(merged.failed, 0);
      assert.ok(merged.ok >= 790, `calls ${merged.ok}`);
      assert.ok(corrected.p99Us >= 150_000, `corrected p99 ${corrected.p99Us} us should show the 200 ms stall`);
      assert.ok(service.p99Us < 100_000, `service p99 ${service.p99Us} us should not`);
    }));
  });
});
