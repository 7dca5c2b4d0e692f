// A server that allows 2 concurrent streams per connection: the pool spreads a burst over further sessions. Both engines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ENGINES } from "../support/engines.js";
import { countingServer, echo, observedConnector, pool } from "./support/pool-harness.js";

const BURST = 50;

for (const engine of ENGINES) {
  test(`${engine.name}: 50 concurrent calls against a 2-stream server open 25 sessions (maxSessionsPerTarget 25) and all succeed`, async (t) => {
    const target = await countingServer(engine, { maxConcurrentStreams: 2, delayMs: 20 });
    const observed = observedConnector(engine);
    const p = pool([target.url], observed.connector, { maxSessions: 1, maxSessionsPerTarget: 25 });
    t.after(async () => {
      p.close(true);
      await target.server.shutdown(100);
    });
    assert.equal(await echo(p, "warm-up"), "warm-up"); // the first session learns the peer's limit of 2
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => echo(p, `call ${i}`)));
    assert.deepEqual(replies, Array.from({ length: BURST }, (_, i) => `call ${i}`));
    assert.equal(observed.opened.get(target.url), BURST / 2, "one session per 2 calls in flight");
    assert.equal(target.calls, BURST + 1);
  });

  test(`${engine.name}: past the hard limit (default 4 sessions for connections=1) calls wait in the pool for a free stream and still succeed`, async (t) => {
    const target = await countingServer(engine, { maxConcurrentStreams: 2, delayMs: 10 });
    const observed = observedConnector(engine);
    const p = pool([target.url], observed.connector, { maxSessions: 1 });
    t.after(async () => {
      p.close(true);
      await target.server.shutdown(100);
    });
    await echo(p, "warm-up");
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => echo(p, `call ${i}`)));
    assert.equal(replies.length, BURST);
    assert.equal(observed.opened.get(target.url), 4);
    assert.deepEqual(p.sessionCounts(), [4]);
    assert.equal(p.waitingCalls(), 0);
  });

  test(`${engine.name}: pick() hands out an open session with room synchronously, and a busy target grows to maxSessions`, async (t) => {
    const target = await countingServer(engine, { hold: (text) => text.startsWith("busy") });
    const observed = observedConnector(engine);
    const p = pool([target.url], observed.connector, { maxSessions: 2 });
    t.after(async () => {
      p.close(true);
      await target.server.shutdown(100);
    });
    const first = p.pick();
    assert.ok(first instanceof Promise, "no session yet: a promise");
    await first;
    const again = p.pick();
    assert.ok(!(again instanceof Promise), "open session with room: synchronous");
    // A call in flight when the next one is picked makes the pool grow to `maxSessions` in the background.
    const busy = [echo(p, "busy"), echo(p, "busier")];
    await observed.until(() => p.sessionCounts()[0] === 2);
    assert.deepEqual(p.sessionCounts(), [2]);
    target.release();
    await Promise.all(busy);
  });
}
