/**
 * The open loop's two ways of sending a call off its exact time, both measured so that no latency comes out shorter
 * than it was: calls due while --max-in-flight calls are in flight wait for a free slot (their wait is in the
 * corrected latency and is the server's, not a late generator's), and a wake-up sends the calls due within a
 * fraction of a millisecond ahead of time (timed from their actual send).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Caller } from "../../src/loadgen/caller.js";
import { summarize } from "../../src/loadgen/histogram.js";
import { LoadRecorder } from "../../src/loadgen/load-recorder.js";
import { LoadRun, MAX_SEND_AHEAD_MS, type ThreadPlan } from "../../src/loadgen/load-run.js";
import { mergeResults } from "../../src/loadgen/merge.js";
import { parseCommandLine } from "../../src/loadgen/options.js";
import { buildReport } from "../../src/loadgen/report.js";
import { renderHtml } from "../../src/loadgen/report-html.js";
import { renderTable } from "../../src/loadgen/report-text.js";
import { withRetries } from "./with-retries.js";

function open(rate: number, durationMs: number, extra: Partial<ThreadPlan> = {}): ThreadPlan {
  return { mode: "open", concurrency: 0, rate, phaseMs: 0, durationMs, requests: undefined, warmupMs: 0, drainMs: 2_000, ...extra };
}

describe("open loop: calls held at --max-in-flight", () => {
  it("wait for a free slot and are sent, their wait in the corrected latency, not counted as the generator's lateness", () =>
    withRetries(async () => {
      // The first 10 calls take 60 ms (a server that stalls once); with 10 in flight at most, the ~50 calls due
      // meanwhile wait, then go out as the stalled calls end. Everything later answers at once.
      let n = 0;
      const caller: Caller = (completion) => {
        if (n++ < 10) setTimeout(completion.ok, 60);
        else setImmediate(completion.ok);
      };
      const result = await new LoadRun(caller, open(1_000, 400, { maxInFlight: 10, maxLagMs: 20 })).run();
      const merged = mergeResults([result]);
      assert.equal(result.dropped, 0, "the server caught up: nothing was left behind");
      assert.ok(result.ok >= 395 && result.ok <= 401, `every call due was sent and answered: ${result.ok}`);
      assert.ok(result.held >= 30, `held ${result.held}`);
      assert.ok(result.late <= 3, `held calls are not the generator's lateness: late ${result.late}`);
      assert.ok(summarize(merged.corrected).maxUs >= 35_000, `the wait shows in the corrected latency: max ${summarize(merged.corrected).maxUs} us`);
      assert.ok(summarize(merged.service).p90Us < 20_000, `and not in the service time: p90 ${summarize(merged.service).p90Us} us`);
      const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--rate", "1000", "--max-in-flight", "10", "--max-lag", "20ms"]);
      if (parsed.help) throw new Error("unexpected help");
      const report = buildReport(parsed.options, merged, { path: "/x.Y/Z", requestBytes: 66 });
      assert.equal(report.generatorLag?.held, result.held);
      assert.equal(report.latencyValid, true);
      const said = new RegExp(`${result.held.toLocaleString("en-US")} waited at --max-in-flight`);
      assert.match(renderTable(report), said, "the table says how many calls waited for the server");
      assert.match(renderHtml(report), said, "and so does the HTML page");
      assert.doesNotMatch(renderTable(report), /LATENCY INVALID/);
    }));

  it("do not keep the generator spinning while the cap is full", async () => {
    // A server that never answers, 1 call in flight at most, for 300 ms: the loop waits for a completion instead
    // of waking up for every call due. Its CPU time stays far below the window's length.
    const before = process.cpuUsage();
    const run = new LoadRun(() => {}, open(100_000, 300, { maxInFlight: 1, drainMs: 10 }));
    let midway: ReturnType<LoadRun["progress"]> | undefined;
    const peek = setTimeout(() => (midway = run.progress()), 150);
    const result = await run.run();
    clearTimeout(peek);
    const cpu = process.cpuUsage(before);
    assert.equal(midway?.atCap, true, "the progress line blames the server while the cap is full");
    assert.ok((midway?.behindMs ?? 0) > 50, `behind ${midway?.behindMs} ms`);
    assert.equal(result.unfinished, 1);
    assert.ok(result.dropped > 25_000, `dropped ${result.dropped}`);
    assert.ok((cpu.user + cpu.system) / 1000 < 150, `${(cpu.user + cpu.system) / 1000} ms of CPU in a 300 ms window`);
  });
});

describe("open loop: sending ahead of time", () => {
  it("a call sent before its time is timed from its send: never a latency shorter than the real one", () => {
    const recorder = new LoadRecorder(true, 0, 10);
    recorder.record(10, 9.6, 10.1, 0); // sent 0.4 ms early, answered 0.5 ms after the send
    recorder.record(20, 20.3, 20.5, 0); // sent 0.3 ms late, answered 0.2 ms after the send
    assert.deepEqual(
      [recorder.corrected.getValueAtPercentile(0), recorder.corrected.getValueAtPercentile(100)].map((v) => Math.round(v / 10) * 10),
      [500, 500],
      "the early call's 0.5 ms (not 0.1 ms from its scheduled time); the late one's 0.2 + 0.3 ms",
    );
    assert.equal(recorder.sendLag.getValueAtPercentile(0), 0, "an early send is no negative lag");
    assert.ok(Math.abs(recorder.sendLag.getValueAtPercentile(100) - 300) <= 1);
  });

  it("sends no call more than MAX_SEND_AHEAD_MS before its time, and few late at 1,000/s", () =>
    withRetries(async () => {
      let n = 0;
      const offsets: number[] = [];
      let origin = 0;
      const caller: Caller = (completion) => {
        offsets.push(performance.now() - (origin + n++)); // call n is due n ms after the start (1,000/s)
        setImmediate(completion.ok);
      };
      const run = new LoadRun(caller, open(1_000, 500));
      origin = performance.now();
      await run.run();
      const earliest = Math.min(...offsets);
      assert.ok(earliest >= -MAX_SEND_AHEAD_MS - 0.05, `a call went out ${-earliest} ms early`);
      const sorted = offsets.slice().sort((a, b) => a - b);
      const median = sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
      // A timer aimed at the due time itself would put the median about 0.6 ms late on this machine.
      assert.ok(median < 0.45, `median send offset ${median.toFixed(3)} ms`);
    }));
});
