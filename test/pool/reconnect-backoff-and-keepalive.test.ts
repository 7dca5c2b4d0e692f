// Reconnect backoff (exponential, jittered, capped) and keepalive pings, with injected connectors.
import assert from "node:assert/strict";
import { test } from "node:test";
import { backoffDelay, ConnectionPool, DEFAULT_BACKOFF } from "../../src/client/pool.js";
import type { Connector } from "../../src/client/connector.js";
import { parseAddress } from "../../src/transport/address.js";
import { FakeSession, isFake } from "./support/fake-session.js";
import { sleep } from "./support/pool-harness.js";

const TARGET = [parseAddress("tcp://127.0.0.1:1")];

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

test("a target that keeps failing is retried in the background with growing, jittered delays", async () => {
  const attempts: number[] = [];
  const failing: Connector = () => {
    attempts.push(performance.now());
    return Promise.reject(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }));
  };
  const randoms = [0, 1 - 1e-9, 0.5, 0, 1 - 1e-9];
  let draw = 0;
  const pool = new ConnectionPool(TARGET, failing, {
    maxSessions: 1,
    connectTimeoutMs: 100,
    backoff: { initialMs: 40, multiplier: 2, jitter: 0.2, maxMs: 10_000 },
    clock: { now: () => Date.now(), random: () => randoms[draw++ % randoms.length] ?? 0.5 },
  });
  try {
    await assert.rejects(Promise.resolve(pool.pick()));
    await sleep(40 * 0.8 + 40 * 2 * 1.2 + 160 * 0.5 + 150);
    assert.ok(attempts.length >= 4, `attempts: ${attempts.length}`);
    const gaps = attempts.slice(1).map((at, i) => at - (attempts[i] ?? 0));
    // Expected: 40 x 0.8 = 32, 80 x 1.2 = 96, 160 x 1.0 = 160 (timers may fire late, never early).
    const expected = [32, 96, 160];
    gaps.slice(0, 3).forEach((gap, i) => {
      const want = expected[i] ?? 0;
      assert.ok(gap >= want - 2 && gap < want + 60, `gap ${i}: ${gap.toFixed(1)} ms, expected about ${want}`);
    });
  } finally {
    pool.close(true);
  }
});

test("a broken session is replaced; one that breaks right after opening backs off instead of reconnecting in a loop", async () => {
  const sessions: FakeSession[] = [];
  const connector: Connector = async ({ events }) => {
    const session = new FakeSession(events);
    sessions.push(session);
    return session;
  };
  const pool = new ConnectionPool(TARGET, connector, { maxSessions: 1, connectTimeoutMs: 100, backoff: { initialMs: 300, jitter: 0 } });
  try {
    await pool.pick();
    (sessions[0] as FakeSession).breakConnection();
    await sleep(20);
    assert.equal(sessions.length, 1, "broke within a second of opening: no instant reconnect");
    await sleep(350);
    assert.equal(sessions.length, 2, "reconnected after the backoff delay");
    assert.ok(sessions[1]?.usable);
    assert.ok(!(pool.pick() instanceof Promise));
  } finally {
    pool.close(true);
  }
});

test("keepalive: off by default; when on, pings each session and destroys one whose ping goes unanswered", async () => {
  const made: FakeSession[] = [];
  const connectorWith = (mode: "answer" | "silent"): Connector => async ({ events }) => {
    const session = new FakeSession(events, mode);
    made.push(session);
    return session;
  };
  const quiet = new ConnectionPool(TARGET, connectorWith("answer"), { maxSessions: 1, connectTimeoutMs: 100 });
  const answered = new ConnectionPool(TARGET, connectorWith("answer"), { maxSessions: 1, connectTimeoutMs: 100, keepaliveIntervalMs: 20, keepaliveTimeoutMs: 50 });
  const silent = new ConnectionPool(TARGET, connectorWith("silent"), {
    maxSessions: 1, connectTimeoutMs: 100, keepaliveIntervalMs: 20, keepaliveTimeoutMs: 50, backoff: { initialMs: 60_000 },
  });
  try {
    const [a, b, c] = await Promise.all([quiet.pick(), answered.pick(), silent.pick()]);
    await sleep(150);
    assert.ok(isFake(a) && isFake(b) && isFake(c));
    assert.equal(a.pings, 0, "no pings unless configured");
    assert.ok(b.pings >= 3 && b.usable && b.destroyedWith === undefined, `answered pings: ${b.pings}`);
    assert.ok(!c.usable);
    assert.match(String(c.destroyedWith?.message), /keepalive ping not answered within 50 ms/);
  } finally {
    for (const pool of [quiet, answered, silent]) pool.close(true);
  }
});
