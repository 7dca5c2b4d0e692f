// The signal-driven drain shared by a single-process server and each worker: the first signal drains once, a
// second one exits at once with 1; a failed drain exits 1. Signals are emitted on `process` (no real signal).
import assert from "node:assert/strict";
import { test } from "node:test";
import { SignalDrain } from "../../src/server/signal-drain.js";
import { capturingLogger } from "../support/capturing-logger.js";

function drainWith(result: () => Promise<void>) {
  const { log, records } = capturingLogger();
  const grace: number[] = [];
  const drain = new SignalDrain({ log, graceMs: 250, message: "worker draining", drain: (graceMs) => { grace.push(graceMs); return result(); } });
  return { drain, records, grace };
}

test("SIGTERM drains once with the grace period and exits 0", async (t) => {
  let finish: () => void = () => {};
  const { drain, records, grace } = drainWith(() => new Promise<void>((resolve) => { finish = resolve; }));
  t.after(() => drain.dispose());
  process.emit("SIGTERM", "SIGTERM");
  drain.start("primary asked", 10); // a second reason is ignored: one drain
  assert.deepEqual(grace, [250]);
  assert.ok(drain.draining);
  finish();
  assert.equal(await drain.exitCode, 0);
  const line = records.find((record) => record.msg === "worker draining");
  assert.equal(line?.why, "SIGTERM");
  assert.equal(line?.graceMs, 250);
});

test("a second signal while draining exits at once with 1", async (t) => {
  const { drain, records } = drainWith(() => new Promise<void>(() => {}));
  t.after(() => drain.dispose());
  drain.start("primary gone");
  process.emit("SIGINT", "SIGINT");
  assert.equal(await drain.exitCode, 1);
  assert.ok(records.some((record) => record.msg === "second signal: exiting now" && record.signal === "SIGINT"));
});

test("a drain that fails exits 1 and says why; the primary's own grace period is used when given", async (t) => {
  const { drain, records, grace } = drainWith(() => Promise.reject(new Error("engine stuck")));
  t.after(() => drain.dispose());
  drain.start("primary asked", 40);
  assert.equal(await drain.exitCode, 1);
  assert.deepEqual(grace, [40]);
  assert.ok(records.some((record) => record.msg === "shutdown failed"));
});
