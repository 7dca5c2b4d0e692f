import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { Caller } from "../../src/loadgen/caller.js";
import { LoadRun, type ThreadPlan } from "../../src/loadgen/load-run.js";
import { mergeResults } from "../../src/loadgen/merge.js";
import { buildReport } from "../../src/loadgen/report.js";
import { parseCommandLine } from "../../src/loadgen/options.js";
import { timedCaller } from "./fake-callers.js";

function closed(concurrency: number, extent: { durationMs?: number; requests?: number }, warmupMs = 0): ThreadPlan {
  return {
    mode: "closed",
    concurrency,
    rate: 0,
    phaseMs: 0,
    durationMs: extent.durationMs,
    requests: extent.requests,
    warmupMs,
    drainMs: 2_000,
  };
}

describe("load loop", () => {
  it("counts failures by gRPC status code, however the caller reports them", async () => {
    // n % 10: 0-5 OK, 6-7 UNAVAILABLE via done(code), 8 DEADLINE_EXCEEDED via fail(GrpcError), 9 throws.
    let n = 0;
    const caller: Caller = (c) => {
      const i = n++ % 10;
      if (i === 9) throw new Error("caller bug");
      setImmediate(() => {
        if (i <= 5) c.ok();
        else if (i <= 7) c.done(Code.UNAVAILABLE);
        else c.fail(new GrpcError(Code.DEADLINE_EXCEEDED, "too slow"));
      });
    };
    const result = await new LoadRun(caller, closed(4, { requests: 1000 })).run();
    const merged = mergeResults([result]);
    assert.equal(merged.ok, 600);
    assert.equal(merged.failed, 400);
    assert.deepEqual(Object.fromEntries(merged.failuresByCode), { [Code.UNAVAILABLE]: 200, [Code.DEADLINE_EXCEEDED]: 100, [Code.UNKNOWN]: 100 });
    assert.equal(merged.service.totalCount, 600, "latency histograms hold OK calls only");

    const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--requests", "1000", "--max-error-rate", "0.3"]);
    if (parsed.help) throw new Error("unexpected help");
    const report = buildReport(parsed.options, merged, { path: "/x.Y/Z", requestBytes: 66 });
    assert.deepEqual(report.statusCodes, { OK: 600, UNAVAILABLE: 200, DEADLINE_EXCEEDED: 100, UNKNOWN: 100 });
    assert.equal(report.errorRate, 0.4);
    assert.equal(report.maxErrorRateExceeded, true);
  });

  it("keeps exactly --concurrency calls in flight and measures exactly --requests after the warm-up", async () => {
    const caller = timedCaller(2);
    const result = await new LoadRun(caller, closed(8, { requests: 300 }, 100)).run();
    assert.equal(result.ok, 300, "warm-up calls are not counted");
    assert.ok(caller.started() > 300 + 8, `the warm-up made calls too (${caller.started()} started)`);
    assert.equal(caller.maxInFlight(), 8);
    assert.equal(result.unfinished, 0);
  });

  it("runs for --duration and reports the achieved rate per second", async () => {
    const result = await new LoadRun(timedCaller(5), closed(10, { durationMs: 1_500 })).run();
    assert.ok(result.elapsedMs >= 1_500 && result.elapsedMs < 1_600, `elapsed ${result.elapsedMs}`);
    // 10 in flight, ~5 ms each: at most 2,000 calls/s (timers only add delay).
    assert.ok(result.ok > 300 && result.ok <= 3_000, `ok ${result.ok}`);
    assert.equal(result.okPerSecond.reduce((a, b) => a + b, 0), result.ok);
    assert.ok(result.okPerSecond.length >= 2 && result.okPerSecond.length <= 3);
  });

  it("survives a caller that completes synchronously (no recursion)", async () => {
    const result = await new LoadRun((c) => c.ok(), closed(2, { requests: 200_000 })).run();
    assert.equal(result.ok, 200_000);
  });

  it("gives up on calls that never end after the drain time and counts them unanswered", async () => {
    const plan = { ...closed(3, { durationMs: 100 }), drainMs: 50 };
    const result = await new LoadRun(() => {}, plan).run();
    assert.equal(result.ok, 0);
    assert.equal(result.unfinished, 3);
  });

  it("stops sending when stop() is called and still reports what ran", async () => {
    const run = new LoadRun(timedCaller(1), closed(4, { durationMs: 60_000 }));
    setTimeout(() => run.stop(), 200);
    const started = performance.now();
    const result = await run.run();
    assert.ok(performance.now() - started < 2_000);
    assert.ok(result.ok > 0);
  });

  it("open loop sends at the fixed rate", async () => {
    const caller = timedCaller(1);
    const plan: ThreadPlan = { ...closed(0, { durationMs: 1_000 }), mode: "open", rate: 500 };
    const result = await new LoadRun(caller, plan).run();
    assert.ok(result.ok >= 495 && result.ok <= 501, `500 calls/s for 1 s sent ${result.ok}`);
    assert.ok(caller.maxInFlight() < 50, "an open loop does not pile calls up against a fast server");
  });
});
