/**
 * The open loop at rate: calls due by each wake-up go out together (one event-loop turn, so the engine writes them
 * in one go), the loop sleeps on timers between wake-ups, schedules follow --rate's steps, and a generator that
 * falls behind its schedule is caught and its latency marked invalid.
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Caller } from "../../src/loadgen/caller.js";
import { LoadRun, type ThreadPlan } from "../../src/loadgen/load-run.js";
import { mergeResults } from "../../src/loadgen/merge.js";
import { parseCommandLine } from "../../src/loadgen/options.js";
import { buildReport } from "../../src/loadgen/report.js";
import { invalidLatencyWarning } from "../../src/loadgen/report-text.js";
import { stallEventLoop } from "./fake-callers.js";

function open(rate: number, durationMs: number, extra: Partial<ThreadPlan> = {}): ThreadPlan {
  return { mode: "open", concurrency: 0, rate, phaseMs: 0, durationMs, requests: undefined, warmupMs: 0, drainMs: 2_000, ...extra };
}

/** Completes every call on the next turn; counts the synchronous batches the generator sent them in. */
function batchCountingCaller(): Caller & { calls: () => number; batches: () => number } {
  let calls = 0;
  let batches = 0;
  let inBatch = false;
  const caller = ((completion) => {
    calls++;
    if (!inBatch) {
      inBatch = true;
      batches++;
      queueMicrotask(() => (inBatch = false));
    }
    setImmediate(completion.ok);
  }) as Caller & { calls: () => number; batches: () => number };
  caller.calls = () => calls;
  caller.batches = () => batches;
  return caller;
}

describe("open loop at rate", () => {
  it("sends the calls due by each wake-up together instead of one per turn", async () => {
    const caller = batchCountingCaller();
    const result = await new LoadRun(caller, open(20_000, 500)).run();
    assert.ok(result.ok >= 9_900 && result.ok <= 10_001, `20,000/s for 0.5 s sent ${result.ok}`);
    // Timers wake the loop about once a millisecond: ~500 batches of ~20 calls, not ~10,000 turns of one.
    assert.ok(caller.batches() < caller.calls() / 5, `${caller.calls()} calls in ${caller.batches()} batches`);
  });

  it("follows a step schedule: each second offers its own rate", async () => {
    const caller = batchCountingCaller();
    const schedule = { start: 200, end: 600, step: 200, periodMs: 400 };
    const result = await new LoadRun(caller, open(200, 1_200, { schedule })).run();
    // 400 ms at 200/s, 400 ms at 400/s, 400 ms at 600/s = 80 + 160 + 240 calls.
    assert.ok(Math.abs(result.scheduled - 480) <= 2, `scheduled ${result.scheduled}`);
    assert.equal(result.ok, result.scheduled);
    const [first = 0, second = 0] = result.scheduledPerSecond;
    assert.ok(Math.abs(first - (80 + 160 + 120)) <= 2 && Math.abs(second - 120) <= 2, `per second ${result.scheduledPerSecond}`);
  });

  it("catches a generator that falls behind: late calls counted, latency marked invalid", async () => {
    // The generator's own thread is blocked for 300 ms of a 1 s run at 1,000/s: ~300 calls go out late.
    const stall = setTimeout(() => stallEventLoop(300), 300);
    const result = await new LoadRun(batchCountingCaller(), open(1_000, 1_000, { maxLagMs: 10 })).run();
    clearTimeout(stall);
    assert.ok(result.late >= 200, `late calls ${result.late}`);
    assert.ok(result.maxSendLagUs >= 250_000, `max lag ${result.maxSendLagUs} us`);

    const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--rate", "1000", "--duration", "1s"]);
    if (parsed.help) throw new Error("unexpected help");
    const report = buildReport(parsed.options, mergeResults([result]), { path: "/x.Y/Z", requestBytes: 66 });
    assert.equal(report.latencyValid, false);
    assert.equal(report.generatorLag?.late, result.late);
    assert.ok((report.generatorLag?.lateFraction ?? 0) > 0.15);
  });

  it("counts the calls a generator still behind at the end never sent, and marks the latency invalid", async () => {
    // 40,000/s for 300 ms (12,000 calls due) through a caller that takes 50 us of this thread per call: the
    // generator can send about 20,000/s, so it is behind all along and half the window's calls never go out.
    const slowCaller: Caller = (completion) => {
      stallEventLoop(0.05);
      setImmediate(completion.ok);
    };
    const result = await new LoadRun(slowCaller, open(40_000, 300)).run();
    assert.ok(result.unsent > 1_000, `unsent ${result.unsent}`);
    assert.ok(Math.abs(result.scheduled + result.unsent - 12_000) <= 3, `sent ${result.scheduled} + unsent ${result.unsent} = the 12,000 due`);
    const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--rate", "40000", "--duration", "300ms"]);
    if (parsed.help) throw new Error("unexpected help");
    const report = buildReport(parsed.options, mergeResults([result]), { path: "/x.Y/Z", requestBytes: 66 });
    assert.equal(report.generatorLag?.unsent, result.unsent);
    assert.equal(report.latencyValid, false);
  });

  it("counts the calls still held at --max-in-flight when the window closes as dropped, and marks the latency invalid", async () => {
    // A server that never answers: only the first 50 calls go out; the other ~250 due in 300 ms wait and never go.
    const result = await new LoadRun(() => {}, open(1_000, 300, { maxInFlight: 50, drainMs: 50 })).run();
    assert.equal(result.unfinished, 50);
    assert.ok(Math.abs(result.dropped - 250) <= 3, `dropped ${result.dropped}`);
    assert.equal(result.unsent, 0, "the server held them back, not the generator");
    const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--rate", "1000", "--max-in-flight", "50"]);
    if (parsed.help) throw new Error("unexpected help");
    const report = buildReport(parsed.options, mergeResults([result]), { path: "/x.Y/Z", requestBytes: 66 });
    assert.equal(report.generatorLag?.dropped, result.dropped);
    assert.equal(report.latencyValid, false);
    assert.match(invalidLatencyWarning(report).join(" "), /calls were not sent because 50 were in flight/);
  });

  it("an idle generator on schedule reports valid latency", async () => {
    // A threshold a shared, overloaded test machine does not reach by descheduling this process now and then.
    const result = await new LoadRun(batchCountingCaller(), open(500, 600, { maxLagMs: 100 })).run();
    const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--rate", "500", "--max-lag", "100ms"]);
    if (parsed.help) throw new Error("unexpected help");
    const report = buildReport(parsed.options, mergeResults([result]), { path: "/x.Y/Z", requestBytes: 66 });
    assert.ok(report.generatorLag !== null && report.generatorLag.late <= 3, `late ${report.generatorLag?.late}`);
    assert.equal(report.latencyValid, true);
  });
});
