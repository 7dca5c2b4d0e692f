// gRPC A8: a GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") doubles the keepalive interval of the target's new
// sessions (capped); other GOAWAYs leave it alone. Pool unit test with FakeSessions and a ManualClock, plus both
// real engines against a server that enforces a minimum ping interval.
import assert from "node:assert/strict";
import { describe, it, test } from "node:test";
import { ConnectionPool } from "../../src/client/pool.js";
import { Keepalive, MAX_KEEPALIVE_INTERVAL_MS } from "../../src/client/pool/keepalive.js";
import type { Connector } from "../../src/client/connector.js";
import { parseAddress } from "../../src/transport/address.js";
import { ENGINES } from "../support/engines.js";
import { startManagedServer } from "../server/connection-management/support/managed-server.js";
import { FakeSession } from "./support/fake-session.js";
import { ManualClock } from "./support/manual-clock.js";
import { echo, observedConnector, pool } from "./support/pool-harness.js";

const TARGET = [parseAddress("tcp://127.0.0.1:1")];
const settle = () => new Promise((resolve) => setImmediate(resolve));
const ENHANCE_YOUR_CALM = 11;

/** Advances the clock one ms at a time and says when the session was first pinged (ms after `from`). */
async function firstPingAfter(clock: ManualClock, session: FakeSession, limitMs: number): Promise<number> {
  const from = clock.now();
  while (session.pings === 0 && clock.now() - from < limitMs) {
    clock.advance(1);
    await settle();
  }
  return clock.now() - from;
}

test("too_many_pings doubles the interval for the target's new sessions; another GOAWAY does not", async (t) => {
  const clock = new ManualClock();
  const sessions: FakeSession[] = [];
  const connector: Connector = async ({ events }) => {
    const session = new FakeSession(events);
    sessions.push(session);
    return session;
  };
  const p = new ConnectionPool(TARGET, connector, { maxSessions: 1, connectTimeoutMs: 100, keepaliveIntervalMs: 100, clock });
  t.after(() => p.close(true));
  await p.pick();
  assert.equal(await firstPingAfter(clock, sessions[0] as FakeSession, 1000), 100);

  (sessions[0] as FakeSession).goaway(ENHANCE_YOUR_CALM, "too_many_pings");
  await settle();
  assert.equal(sessions.length, 2, "the session is replaced");
  assert.equal(await firstPingAfter(clock, sessions[1] as FakeSession, 1000), 200);

  (sessions[1] as FakeSession).goaway(ENHANCE_YOUR_CALM, "too_many_pings");
  await settle();
  assert.equal(await firstPingAfter(clock, sessions[2] as FakeSession, 1000), 400);

  (sessions[2] as FakeSession).goaway(0, "");
  await settle();
  assert.equal(await firstPingAfter(clock, sessions[3] as FakeSession, 1000), 400, "a NO_ERROR GOAWAY keeps the interval");
  (sessions[3] as FakeSession).goaway(ENHANCE_YOUR_CALM, "something else");
  await settle();
  assert.equal(await firstPingAfter(clock, sessions[4] as FakeSession, 1000), 400, "ENHANCE_YOUR_CALM for another reason keeps it");
});

test("the back-off is per target and capped at 2^31-1 ms; keepalive off stays off", () => {
  const keepalive = new Keepalive(2 ** 30, 1000, new ManualClock());
  const a = {};
  const b = {};
  keepalive.tooManyPings(a);
  assert.equal(keepalive.intervalFor(a), MAX_KEEPALIVE_INTERVAL_MS);
  keepalive.tooManyPings(a);
  assert.equal(keepalive.intervalFor(a), MAX_KEEPALIVE_INTERVAL_MS);
  assert.equal(keepalive.intervalFor(b), 2 ** 30);
  const off = new Keepalive(0, 1000, new ManualClock());
  off.tooManyPings(a);
  assert.equal(off.intervalFor(a), 0);
});

for (const engine of ENGINES) {
  describe(`too_many_pings from our server (${engine.name})`, () => {
    it("the client session sees GOAWAY ENHANCE_YOUR_CALM too_many_pings, reconnects, and calls keep succeeding", async (t) => {
      const managed = await startManagedServer(engine, { minPingIntervalMs: 60_000 });
      const clientClock = new ManualClock();
      const observed = observedConnector(engine);
      const p = pool([managed.url], observed.connector, { keepaliveIntervalMs: 1000, clock: clientClock });
      t.after(async () => {
        p.close(true);
        await managed.stop();
      });
      assert.equal(await echo(p, "before"), "before");
      // Idle connection, pings 1 s apart by the client's clock, all at the same server time: the 4th is too many.
      for (let i = 0; i < 4 && observed.goaways === 0; i++) {
        clientClock.advance(1000);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await observed.until(() => observed.goaways === 1);
      assert.deepEqual(observed.goawayDetails[0], { code: ENHANCE_YOUR_CALM, debugData: "too_many_pings" });
      assert.equal(await echo(p, "after"), "after");
      await observed.until(() => (observed.opened.get(managed.url) ?? 0) === 2);
    });
  });
}
