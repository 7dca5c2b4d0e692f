// Calls waiting for a free stream (every session at the peer's limit, no more may open) start when the engine
// reports a stream closed (no polling timer), and leave the queue when their signal aborts or their deadline
// passes. Both engines; the pool's clock is manual, so no pool timer runs unless the test advances it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionPool } from "../../src/client/pool.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { parseAddress } from "../../src/transport/address.js";
import { ENGINES, type EngineUnderTest } from "../support/engines.js";
import { ManualClock } from "./support/manual-clock.js";
import { countingServer, echo, observedConnector, pool } from "./support/pool-harness.js";

/** One session, one stream at a time (the server allows 1), and its stream held by a call the server does not answer yet. */
async function oneBusyStream(engine: EngineUnderTest, t: { after(fn: () => Promise<void>): void }) {
  const server = await countingServer(engine, { maxConcurrentStreams: 1, hold: (text) => text === "held" });
  const observed = observedConnector(engine);
  const clock = new ManualClock();
  const p = pool([server.url], observed.connector, { maxSessions: 1, maxSessionsPerTarget: 1, clock });
  t.after(async () => {
    p.close(true);
    await server.server.shutdown(100);
  });
  assert.equal(await echo(p, "warm-up"), "warm-up"); // the session learns the limit of 1
  const held = echo(p, "held");
  await server.arrivals(2);
  return { server, p, clock, held };
}

for (const engine of ENGINES) {
  test(`${engine.name}: a waiting call starts as soon as a stream closes, without any pool timer`, async (t) => {
    const { server, p, clock, held } = await oneBusyStream(engine, t);
    const waiting = echo(p, "waiting");
    assert.equal(p.waitingCalls(), 1);
    assert.deepEqual(clock.pendingAt(), [], "no polling timer");
    server.release();
    assert.equal(await held, "held");
    assert.equal(await waiting, "waiting");
    assert.equal(p.waitingCalls(), 0);
    assert.deepEqual(p.sessionCounts(), [1]);
  });

  test(`${engine.name}: a waiting call whose signal aborts leaves the queue and fails with the signal's status`, async (t) => {
    const { server, p, held } = await oneBusyStream(engine, t);
    const plain = new AbortController();
    const withStatus = new AbortController();
    const first = echo(p, "plain abort", { signal: plain.signal });
    const second = echo(p, "abort with a status", { signal: withStatus.signal });
    const third = echo(p, "still waiting");
    assert.equal(p.waitingCalls(), 3);
    plain.abort();
    await assert.rejects(first, (error: unknown) => error instanceof GrpcError && error.code === Code.CANCELLED);
    withStatus.abort(new GrpcError(Code.ABORTED, "the caller gave up"));
    await assert.rejects(second, (error: unknown) => error instanceof GrpcError && error.code === Code.ABORTED && error.rawMessage === "the caller gave up");
    assert.equal(p.waitingCalls(), 1, "aborted calls no longer count as demand");
    server.release();
    assert.equal(await held, "held");
    assert.equal(await third, "still waiting", "the freed stream went to the call still waiting");
    assert.equal(server.calls, 3, "the aborted calls never reached the server");
  });

  test(`${engine.name}: a waiting call whose deadline passes leaves the queue with DEADLINE_EXCEEDED`, async (t) => {
    const { server, p, clock, held } = await oneBusyStream(engine, t);
    const late = echo(p, "late", { timeoutMs: 100 });
    const patient = echo(p, "patient", { timeoutMs: 10_000 });
    clock.advance(99);
    assert.equal(p.waitingCalls(), 2);
    clock.advance(1);
    await assert.rejects(late, (error: unknown) => error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
    assert.equal(p.waitingCalls(), 1);
    server.release();
    assert.equal(await held, "held");
    assert.equal(await patient, "patient");
    assert.deepEqual(clock.pendingAt(), [], "the served call's deadline timer in the pool was cancelled");
  });

  test(`${engine.name}: closing the pool fails the waiting calls`, async (t) => {
    const { p, held } = await oneBusyStream(engine, t);
    const waiting = echo(p, "waiting");
    p.close(true);
    await assert.rejects(waiting, (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
    await assert.rejects(held);
  });
}

test("a call whose signal is already aborted when it would wait is refused with the signal's status, never queued", async () => {
  const p = new ConnectionPool([parseAddress("tcp://127.0.0.1:1")], () => new Promise(() => {}), { maxSessions: 1, connectTimeoutMs: 100, clock: new ManualClock() });
  try {
    const controller = new AbortController();
    controller.abort(new GrpcError(Code.ABORTED, "not any more"));
    await assert.rejects(Promise.resolve(p.pick(controller.signal)), (error: unknown) => error instanceof GrpcError && error.code === Code.ABORTED);
    assert.equal(p.waitingCalls(), 0);
  } finally {
    p.close(true);
  }
});
