// Reconnect backoff (exponential, jittered, capped) and keepalive pings, with injected connectors and a ManualClock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, ConnectionPool, DEFAULT_BACKOFF } from "../../src/client/pool.js";
import type { Connector } from "../../src/client/connector.js";
import { parseAddress } from "../../src/transport/address.js";
import { FakeSession, isFake } from "./support/fake-session.js";
import { ManualClock } from "./support/manual-clock.js";

const TARGET = [parseAddress("tcp://127.0.0.1:1")];
/** Lets promise callbacks and setImmediate work (the pool's connect outcomes) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test("backoffDelay grows by the multiplier, is capped, and spreads over +-jitter", () => {
  const mid = () => 0.5;
  assert.deepEqual([1, 2, 3, 4].map((n) => backoffDelay(n, DEFAULT_BACKOFF, mid)), [1000, 1600, 2560, 4096]);
  assert.equal(backoffDelay(50, DEFAULT_BACKOFF, mid), 120_000);
  assert.equal(backoffDelay(1, DEFAULT_BACKOFF, () => 0), 800);
  assert.equal(backoffDelay(1, DEFAULT_BACKOFF, () => 0.999999), 1200);
  const spread = new Set(Array.from({ length: 50 }, () => backoffDelay(3, DEFAULT_BACKOFF, Math.random)));
  assert.ok(spread.size > 10, "random jitter gives different delays");
  for (const delay of spread) assert.ok(delay >= 2048 && delay <= 3072);
});

test("a target that keeps failing is retried in the background with growing, jittered delays", async (t) => {
  const clock = new ManualClock([0, 1 - 1e-9, 0.5]);
  const attempts: number[] = [];
  const failing: Connector = () => {
    attempts.push(clock.now());
    return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
  };
  const pool = new ConnectionPool(TARGET, failing, {
    maxSessions: 1, connectTimeoutMs: 100, backoff: { initialMs: 40, multiplier: 2, jitter: 0.2, maxMs: 10_000 }, clock,
  });
  t.after(() => pool.close(true));
  await assert.rejects(Promise.resolve(pool.pick()));
  // Delays: 40 x 0.8 = 32, then 80 x 1.2 = 96, then 160 x 1.0 = 160.
  for (const delay of [32, 96, 160]) {
    clock.advance(delay - 1);
    await settle();
    const before = attempts.length;
    clock.advance(1);
    await settle();
    assert.equal(attempts.length, before + 1, `a retry exactly ${delay} ms after the last failure`);
  }
  assert.deepEqual(attempts, [0, 32, 128, 288]);
});

test("a broken session is replaced; one that breaks right after opening backs off instead of reconnecting in a loop", async (t) => {
  const clock = new ManualClock();
  const sessions: FakeSession[] = [];
  const connector: Connector = async ({ events }) => {
    const session = new FakeSession(events);
    sessions.push(session);
    return session;
  };
  const pool = new ConnectionPool(TARGET, connector, { maxSessions: 1, connectTimeoutMs: 100, backoff: { initialMs: 300, jitter: 0 }, clock });
  t.after(() => pool.close(true));
  await pool.pick();
  (sessions[0] as FakeSession).breakConnection();
  await settle();
  assert.equal(sessions.length, 1, "broke within a second of opening: no instant reconnect");
  clock.advance(299);
  await settle();
  assert.equal(sessions.length, 1);
  clock.advance(1);
  await settle();
  assert.equal(sessions.length, 2, "reconnected after the backoff delay");
  assert.ok(sessions[1]?.usable);
  assert.ok(!(pool.pick() instanceof Promise));
  // A session that was healthy for a while is replaced at once when it breaks.
  clock.advance(1000);
  (sessions[1] as FakeSession).breakConnection();
  await settle();
  assert.equal(sessions.length, 3, "replaced without waiting");
});

test("keepalive: off by default; when on, pings each session and destroys one whose ping goes unanswered", async (t) => {
  const clock = new ManualClock();
  const connectorWith = (mode: "answer" | "silent"): Connector => async ({ events }) => new FakeSession(events, mode);
  const quiet = new ConnectionPool(TARGET, connectorWith("answer"), { maxSessions: 1, connectTimeoutMs: 100, clock });
  const answered = new ConnectionPool(TARGET, connectorWith("answer"), { maxSessions: 1, connectTimeoutMs: 100, keepaliveIntervalMs: 20, keepaliveTimeoutMs: 50, clock });
  const silent = new ConnectionPool(TARGET, connectorWith("silent"), {
    maxSessions: 1, connectTimeoutMs: 100, keepaliveIntervalMs: 20, keepaliveTimeoutMs: 50, backoff: { initialMs: 60_000 }, clock,
  });
  t.after(() => {
    for (const pool of [quiet, answered, silent]) pool.close(true);
  });
  const [a, b, c] = await Promise.all([quiet.pick(), answered.pick(), silent.pick()]);
  assert.ok(isFake(a) && isFake(b) && isFake(c));
  for (let i = 0; i < 3; i++) {
    clock.advance(20);
    await settle(); // the fake answers on setImmediate
  }
  assert.equal(a.pings, 0, "no pings unless configured");
  assert.equal(b.pings, 3, "one ping per interval");
  assert.ok(b.usable && b.destroyedWith === undefined, "answered pings keep the session");
  assert.equal(c.pings, 3);
  assert.ok(c.usable, "the first unanswered ping is not late yet (due at 70 ms)");
  clock.advance(10);
  assert.ok(!c.usable);
  assert.match(String(c.destroyedWith?.message), /keepalive ping not answered within 50 ms/);
});
