import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  createLatencyHistogram,
  encodeHistogram,
  mergeEncodedHistograms,
  percentileCurve,
  summarize,
} from "../../src/loadgen/histogram.js";
import { LoadRecorder } from "../../src/loadgen/load-recorder.js";
import { mergeResults } from "../../src/loadgen/merge.js";

/** Equal within HdrHistogram's 3-significant-digit resolution. */
function near(actual: number, expected: number): void {
  assert.ok(Math.abs(actual - expected) <= expected * 0.002 + 1, `${actual} is not about ${expected}`);
}

describe("latency histograms merged across threads", () => {
  it("two encoded histograms merge into the distribution of all their values", () => {
    const low = createLatencyHistogram();
    const high = createLatencyHistogram();
    for (let us = 1; us <= 1000; us++) low.recordValue(us); // thread 1: 1..1000 us
    for (let us = 1001; us <= 2000; us++) high.recordValue(us); // thread 2: 1001..2000 us
    const merged = summarize(mergeEncodedHistograms([encodeHistogram(low), encodeHistogram(high)]));
    assert.equal(merged.count, 2000);
    near(merged.minUs, 1);
    near(merged.p50Us, 1000);
    near(merged.p90Us, 1800);
    near(merged.p99Us, 1980);
    near(merged.p999Us, 1998);
    near(merged.maxUs, 2000);
    near(merged.meanUs, 1000.5);
  });

  it("a slow thread's tail shows in the merged p99 even though its share of calls is small", () => {
    const fast = createLatencyHistogram();
    const slow = createLatencyHistogram();
    fast.recordValueWithCount(100, 980);
    slow.recordValueWithCount(50_000, 20);
    const merged = summarize(mergeEncodedHistograms([encodeHistogram(fast), encodeHistogram(slow)]));
    near(merged.p50Us, 100);
    near(merged.p95Us, 100);
    near(merged.p99Us, 50_000);
  });

  it("mergeResults sums counts, failures by code and per-second series, and adds histograms", () => {
    const a = new LoadRecorder(true, 0);
    const b = new LoadRecorder(true, 0);
    a.record(0, 0, 1, 0); // OK, 1 ms corrected and service, second 0
    a.record(1000, 1000, 1002, 0); // OK, 2 ms, second 1
    a.record(1000, 1000, 1005, 14); // UNAVAILABLE, second 1
    b.record(0, 100, 200, 0); // OK: 200 ms corrected, 100 ms service, second 0
    b.record(2000, 2000, 2001, 4); // DEADLINE_EXCEEDED, second 2
    b.record(2000, 2000, 2001, 14); // UNAVAILABLE, second 2
    const cpu = { user: 0, system: 0 };
    const merged = mergeResults([
      a.result(3000, 0, cpu, { user: 1000, system: 10 }),
      b.result(2500, 2, { user: 100, system: 5 }, { user: 3000, system: 20 }),
    ]);
    assert.equal(merged.ok, 3);
    assert.equal(merged.failed, 3);
    assert.equal(merged.unfinished, 2);
    assert.equal(merged.elapsedMs, 3000);
    assert.deepEqual([...merged.failuresByCode].sort(), [[14, 2], [4, 1]].sort());
    assert.deepEqual(merged.okPerSecond, [2, 1]);
    assert.deepEqual(merged.failedPerSecond, [0, 1, 2]);
    assert.equal(merged.corrected.totalCount, 3);
    near(merged.corrected.maxValue, 200_000);
    near(merged.service.maxValue, 100_000);
    assert.equal(merged.cpuUserUs, 3000);
    assert.equal(merged.cpuSystemUs, 20);
    assert.equal(merged.maxSendLagUs, 100_000);
  });

  it("samples the percentile curve on the log axis up to p99.99", () => {
    const h = createLatencyHistogram();
    for (let us = 1; us <= 10_000; us++) h.recordValue(us);
    const curve = percentileCurve(h, 1);
    assert.deepEqual(curve.map((p) => p.percentile), [0, 90, 99, 99.9, 99.99]);
    near(curve[2]?.us ?? 0, 9_900);
    near(curve[4]?.us ?? 0, 9_999);
  });
});
