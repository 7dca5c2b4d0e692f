// fastgrpc-bench's report (table and JSON) shows the retries, hedges and transparent retries of a run, summed over
// the threads, when any were made, and says nothing about them otherwise.
import assert from "node:assert/strict";
import { test } from "node:test";
import { LoadRecorder, type ThreadResult } from "../../src/loadgen/load-recorder.js";
import { mergeResults } from "../../src/loadgen/merge.js";
import { parseCommandLine } from "../../src/loadgen/options.js";
import { buildReport } from "../../src/loadgen/report.js";
import { renderTable } from "../../src/loadgen/report-text.js";

function threadResult(retries?: ThreadResult["retries"]): ThreadResult {
  const recorder = new LoadRecorder(true, 0);
  recorder.record(0, 0, 1, 0);
  const result = recorder.result(1000, 0, { user: 0, system: 0 }, { user: 10, system: 0 });
  return retries === undefined ? result : { ...result, retries };
}

function report(results: ThreadResult[]) {
  const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--duration", "1s"]);
  if (parsed.help) throw new Error("unexpected help");
  return buildReport(parsed.options, mergeResults(results), { path: "/x.Y/Z", requestBytes: 5 });
}

test("retries of every thread are summed into the JSON report and a table line", () => {
  const built = report([
    threadResult({ retries: 2, hedges: 0, transparentRetries: 1 }),
    threadResult({ retries: 3, hedges: 4, transparentRetries: 0 }),
  ]);
  assert.deepEqual(built.retries, { retries: 5, hedges: 4, transparentRetries: 1 });
  assert.deepEqual(JSON.parse(JSON.stringify(built)).retries, { retries: 5, hedges: 4, transparentRetries: 1 });
  assert.match(renderTable(built), /retries +5 retried, 4 hedged, 1 transparent/);
});

test("a run without retries has no retries field and no table line", () => {
  for (const results of [[threadResult()], [threadResult({ retries: 0, hedges: 0, transparentRetries: 0 })]]) {
    const built = report(results);
    assert.equal("retries" in built, false);
    assert.doesNotMatch(renderTable(built), /retried/);
  }
});
