// A target's connect state is one typed union: idle -> connecting -> idle on success, -> backoff on failure, and
// back to connecting when the retry runs; connects in flight are counted through every state.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Target } from "../../src/client/pool/target.js";
import { parseAddress } from "../../src/transport/address.js";

function target() {
  const cancelled: number[] = [];
  let timers = 0;
  const schedule = () => {
    const id = ++timers;
    return () => cancelled.push(id);
  };
  return { t: new Target(parseAddress("tcp://127.0.0.1:1")), schedule, cancelled };
}

const delay = (failures: number) => 100 * failures;

test("idle -> connecting (counting connects) -> idle once they succeed", () => {
  const { t } = target();
  assert.equal(t.state.kind, "idle");
  t.connectStarted();
  t.connectStarted();
  assert.deepEqual([t.state.kind, t.inFlight, t.failures], ["connecting", 2, 0]);
  t.connectSucceeded();
  assert.deepEqual([t.state.kind, t.inFlight], ["connecting", 1]);
  t.connectSucceeded();
  assert.equal(t.state.kind, "idle");
});

test("a failure backs off (failures count up, delay grows, no foreground connect before retryAt); a success ends it", () => {
  const { t, schedule, cancelled } = target();
  t.connectStarted();
  t.connectFailed(new Error("refused"), true, 1000, delay, schedule);
  assert.equal(t.state.kind, "backoff");
  assert.equal(t.failures, 1);
  assert.equal(t.inFlight, 0);
  assert.ok(!t.mayConnect(1099) && t.mayConnect(1100));
  t.retryDue();
  t.connectStarted(); // the background retry
  assert.deepEqual([t.state.kind, t.failures], ["connecting", 1]);
  t.connectFailed(new Error("refused again"), true, 2000, delay, schedule);
  assert.equal(t.state.kind === "backoff" ? t.state.retryAt : 0, 2200, "the second delay is longer");
  assert.equal(t.state.kind === "backoff" ? String(t.state.lastError) : "", "Error: refused again");
  t.connectStarted();
  t.connectSucceeded();
  assert.deepEqual([t.state.kind, t.failures], ["idle", 0]);
  assert.deepEqual(cancelled, [2], "starting the retry cancelled the pending retry timer");
});

test("a session that breaks right after opening backs off without uncounting another connect in flight", () => {
  const { t, schedule } = target();
  t.connectStarted();
  t.connectSucceeded(); // the session that will break
  t.connectStarted(); // a growth connect, still in flight
  t.connectFailed(new Error("closed right after it opened"), false, 0, delay, schedule);
  assert.deepEqual([t.state.kind, t.inFlight], ["backoff", 1], "the growth connect still counts");
  t.connectFailed(new Error("refused"), true, 10, delay, schedule);
  assert.deepEqual([t.state.kind, t.inFlight, t.failures], ["backoff", 0, 2]);
});
