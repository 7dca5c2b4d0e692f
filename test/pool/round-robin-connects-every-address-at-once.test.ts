// round_robin connects eagerly, as gRPC's does: once the pool is in use, every address the resolver lists starts
// connecting at once (IDLE -> CONNECTING), calls go to READY addresses only, a failed address reconnects after its
// backoff, and address updates connect new addresses at once and drain removed ones. pick_first stays lazy.
// No network: connects are promises the test settles by hand, time is a ManualClock, addresses come from a
// ManualResolver.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ConnectionPool, type LoadBalancingPolicy } from "../../src/client/pool.js";
import type { ConnectRequest, Connector } from "../../src/client/connector.js";
import { ManualResolver } from "../../src/client/resolver/index.js";
import type { ClientSession } from "../../src/engine/types.js";
import { formatAddress, parseAddress } from "../../src/transport/address.js";
import { FakeSession } from "./support/fake-session.js";
import { ManualClock } from "./support/manual-clock.js";

const A = "tcp://10.0.0.1:50051";
const B = "tcp://10.0.0.2:50051";
const C = "tcp://10.0.0.3:50051";
const D = "tcp://10.0.0.4:50051";

/** Lets the pool's promise callbacks (connect outcomes) run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

interface PendingConnect {
  readonly url: string;
  readonly request: ConnectRequest;
  succeed(): FakeSession;
  fail(): void;
}

/** A connector whose connects stay pending until the test settles them. */
function manualConnector() {
  const connects: PendingConnect[] = [];
  const connector: Connector = (request) => new Promise<ClientSession>((resolve, reject) => {
    connects.push({
      url: formatAddress(request.address),
      request,
      succeed: () => {
        const session = new FakeSession(request.events);
        resolve(session);
        return session;
      },
      fail: () => reject(Object.assign(new Error(`connect ECONNREFUSED ${formatAddress(request.address)}`), { code: "ECONNREFUSED" })),
    });
  });
  /** The last connect to `url` (the test settles them in the order it wants). */
  const last = (url: string): PendingConnect => {
    const found = connects.filter((connect) => connect.url === url).at(-1);
    if (found === undefined) throw new Error(`no connect to ${url}`);
    return found;
  };
  const count = (url: string) => connects.filter((connect) => connect.url === url).length;
  return { connector, connects, last, count };
}

function setUp(loadBalancing: LoadBalancingPolicy) {
  const clock = new ManualClock();
  const dial = manualConnector();
  const resolver = new ManualResolver();
  const pool = new ConnectionPool([], dial.connector, { maxSessions: 1, connectTimeoutMs: 1000, loadBalancing, clock, backoff: { initialMs: 1000, jitter: 0 } });
  resolver.start({ onAddresses: (addresses) => pool.setAddresses(addresses), onError: (error) => pool.resolutionFailed(error) });
  const states = () => pool.subchannels().map((subchannel) => `${subchannel.address} ${subchannel.state}`);
  return { clock, dial, resolver, pool, states, list: (...urls: string[]) => resolver.update(urls.map((url) => parseAddress(url))) };
}

/** The session pick() gives at once (the hot path), or a failure naming what it gave instead. */
function pickNow(pool: ConnectionPool): ClientSession {
  const picked = pool.pick();
  if (picked instanceof Promise) {
    picked.catch(() => undefined);
    throw new Error("pick() had no ready session");
  }
  return picked;
}

test("round_robin: the first call connects every address at once, and calls go to READY addresses only", async (t) => {
  const { clock, dial, pool, states, list } = setUp("round_robin");
  t.after(() => pool.close(true));
  list(A, B, C);
  assert.equal(dial.connects.length, 0, "an unused pool stays idle, as a gRPC channel does");
  assert.deepEqual(states(), [`${A} idle`, `${B} idle`, `${C} idle`]);

  const first = pool.pick();
  assert.ok(first instanceof Promise);
  assert.deepEqual(dial.connects.map((connect) => connect.url), [A, B, C], "one call: every address connects");
  assert.deepEqual(states(), [`${A} connecting`, `${B} connecting`, `${C} connecting`]);

  const b = dial.last(B).succeed();
  assert.equal(await first, b, "the waiting call takes the first address that became ready");
  assert.deepEqual(states(), [`${A} connecting`, `${B} ready`, `${C} connecting`]);
  for (let i = 0; i < 4; i++) assert.equal(pickNow(pool), b, "only B is ready: every call goes to B");

  const a = dial.last(A).succeed();
  dial.last(C).fail();
  await settle();
  assert.deepEqual(states(), [`${A} ready`, `${B} ready`, `${C} transient_failure`]);
  const picked = Array.from({ length: 6 }, () => pickNow(pool));
  assert.equal(picked.filter((session) => session === a).length, 3, "calls rotate over A and B");
  assert.equal(picked.filter((session) => session === b).length, 3);
  assert.equal(dial.count(A) + dial.count(B) + dial.count(C), 3, "no connect while C backs off");

  // C reconnects on its own after the backoff delay (gRPC's connection backoff), no call needed.
  assert.deepEqual(clock.pendingAt(), [1000]);
  clock.advance(1000);
  assert.equal(dial.count(C), 2);
  assert.deepEqual(states(), [`${A} ready`, `${B} ready`, `${C} connecting`]);
  const c = dial.last(C).succeed();
  await settle();
  const spread = Array.from({ length: 6 }, () => pickNow(pool));
  assert.deepEqual([a, b, c].map((session) => spread.filter((s) => s === session).length), [2, 2, 2]);
});

test("round_robin: a READY address whose connection ends reconnects at once; one that fails to reconnect backs off", async (t) => {
  const { clock, dial, pool, states, list } = setUp("round_robin");
  t.after(() => pool.close(true));
  list(A, B);
  const first = pool.pick();
  const a = dial.last(A).succeed();
  const b = dial.last(B).succeed();
  await first;
  clock.advance(5000); // long-lived sessions: a later close is a lost connection, not a failed connect
  a.breakConnection();
  assert.equal(dial.count(A), 2, "reconnects at once");
  assert.deepEqual(states(), [`${A} connecting`, `${B} ready`]);
  for (let i = 0; i < 3; i++) assert.equal(pickNow(pool), b, "while A connects, calls go to B");
  dial.last(A).fail();
  await settle();
  assert.deepEqual(states(), [`${A} transient_failure`, `${B} ready`]);
  clock.advance(999);
  assert.equal(dial.count(A), 2);
  clock.advance(1);
  assert.equal(dial.count(A), 3, "the retry comes after the backoff delay");
});

test("round_robin: an address list update connects new addresses at once and drains removed ones", async (t) => {
  const { dial, pool, states, list } = setUp("round_robin");
  t.after(() => pool.close(true));
  list(A, B);
  const first = pool.pick();
  const a = dial.last(A).succeed();
  const b = dial.last(B).succeed();
  await first;

  list(B, C, D);
  assert.deepEqual(dial.connects.slice(2).map((connect) => connect.url), [C, D], "new addresses connect without waiting for a call");
  assert.deepEqual(states(), [`${B} ready`, `${C} connecting`, `${D} connecting`]);
  assert.equal(a.usable, false, "the removed address's session is closed");
  assert.equal(a.destroyedWith, undefined, "gracefully (close, not destroy): its calls in flight finish");
  assert.equal(dial.count(B), 1, "an address still listed keeps its session");
  for (let i = 0; i < 3; i++) assert.equal(pickNow(pool), b);

  // A connect to an address removed while it was under way is closed when it lands, and never used.
  list(B);
  const late = dial.last(C).succeed();
  await settle();
  assert.ok(late.destroyedWith !== undefined, "the late session is destroyed");
  assert.deepEqual(states(), [`${B} ready`]);
  assert.equal(dial.connects.length, 4, "no reconnect to removed addresses");
});

test("round_robin: addresses that arrive after the first call (resolver slower than the call) connect at once", async (t) => {
  const { dial, pool, states, list } = setUp("round_robin");
  t.after(() => pool.close(true));
  const first = pool.pick();
  assert.equal(pool.waitingCalls(), 1, "the call waits for the resolver");
  list(A, B);
  assert.deepEqual(states(), [`${A} connecting`, `${B} connecting`]);
  const b = dial.last(B).succeed();
  assert.equal(await first, b);
});

test("pick_first stays lazy: the first call connects the first address only, the others are never dialled while it is ready", async (t) => {
  const { dial, pool, states, list } = setUp("pick_first");
  t.after(() => pool.close(true));
  list(A, B, C);
  const first = pool.pick();
  assert.deepEqual(dial.connects.map((connect) => connect.url), [A]);
  const a = dial.last(A).succeed();
  assert.equal(await first, a);
  list(A, B, C, D);
  assert.deepEqual(dial.connects.map((connect) => connect.url), [A], "an update dials nothing new under pick_first");
  assert.deepEqual(states(), [`${A} ready`, `${B} idle`, `${C} idle`, `${D} idle`]);
});
