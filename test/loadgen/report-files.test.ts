/** The report files others' tools read: HdrHistogram's .hgrm percentile text, and --compare's side-by-side. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { ThreadResult } from "../../src/loadgen/load-recorder.js";
import { LoadRecorder } from "../../src/loadgen/load-recorder.js";
import { mergeResults } from "../../src/loadgen/merge.js";
import { parseCommandLine } from "../../src/loadgen/options.js";
import { change, renderComparison } from "../../src/loadgen/compare.js";
import { type BenchReport, buildReport } from "../../src/loadgen/report.js";
import { hgrmFiles, renderHgrm } from "../../src/loadgen/report-hgrm.js";

/** An open-loop report whose service times are 1..1000 us (each once), sent on time, corrected = service + 100 us. */
function report(scale = 1, rate = "1000"): BenchReport {
  const recorder = new LoadRecorder(true, 0, 10);
  for (let us = 1; us <= 1000; us++) {
    recorder.scheduled(0);
    recorder.record(0, 0.1, 0.1 + (us * scale) / 1000, 0);
  }
  const cpu = { user: 0, system: 0 };
  const result: ThreadResult = recorder.result(1000, 0, cpu, { user: 50_000, system: 0 });
  const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--rate", rate]);
  if (parsed.help) throw new Error("unexpected help");
  return buildReport(parsed.options, mergeResults([result]), { path: "/x.Y/Z", requestBytes: 10 }, new Date(0));
}

describe("report files", () => {
  it("writes HdrHistogram's percentile distribution in milliseconds", () => {
    const text = renderHgrm(report(), "service");
    const lines = text.split("\n");
    assert.match(lines[0] ?? "", /^\s+Value\s+Percentile\s+TotalCount\s+1\/\(1-Percentile\)$/);
    const median = lines.find((line) => /\s0\.5000+\s/.test(line));
    assert.ok(median !== undefined, "a p50 row");
    assert.ok(Math.abs(Number(median.trim().split(/\s+/)[0]) - 0.5) < 0.01, `p50 0.5 ms: ${median}`);
    assert.match(text, /#\[Max\s+=\s+1\.000, Total count\s+=\s+1000\]/);
    assert.match(renderHgrm(report(), "corrected"), /#\[Max\s+=\s+1\.100,/);
  });

  it("names the service-time file beside the corrected one in the open loop", () => {
    assert.deepEqual(hgrmFiles("out/run.hgrm", report()).map((f) => f.file), ["out/run.hgrm", "out/run.service.hgrm"]);
    assert.deepEqual(hgrmFiles("out.d/run", report()).map((f) => f.file), ["out.d/run", "out.d/run.service"]);
  });

  it("compares two runs figure by figure", () => {
    const text = renderComparison(report(1), report(2, "2000"), ["before.json", "after.json"]);
    assert.match(text, /^A: before\.json .*offered 1,000\/s/m);
    assert.match(text, /^B: after\.json .*offered 2,000\/s/m);
    const p50 = text.split("\n").find((line) => line.trim().startsWith("service p50"));
    assert.match(p50 ?? "", /500 us\s+1\.00 ms\s+\+100\.0%$/);
    assert.match(text, /client CPU us\/call\s+50\.0\s+50\.0\s+=$/m);
    assert.equal(change(0, 5), "new");
    assert.equal(change(200, 150), "-25.0%");
  });
});
