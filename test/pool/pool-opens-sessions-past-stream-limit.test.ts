// A server that allows 2 concurrent streams per connection: the pool spreads a burst over further sessions.
import assert from "node:assert/strict";
import { test } from "node:test";
import { countingConnector, countingServer, echo, pool } from "./support/pool-harness.js";

const BURST = 50;

test("50 concurrent calls against a 2-stream server open 25 sessions (maxSessionsPerTarget 25) and all succeed", async () => {
  const target = await countingServer({ maxConcurrentStreams: 2, delayMs: 20 });
  const { connector, opened } = countingConnector();
  const p = pool([target.url], connector, { maxSessions: 1, maxSessionsPerTarget: 25 });
  try {
    assert.equal(await echo(p, "warm-up"), "warm-up"); // the first session learns the peer's limit of 2
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => echo(p, `call ${i}`)));
    assert.deepEqual(replies, Array.from({ length: BURST }, (_, i) => `call ${i}`));
    assert.equal(opened.get(target.url), BURST / 2, "one session per 2 calls in flight");
    assert.equal(target.calls, BURST + 1);
  } finally {
    p.close(true);
    await target.server.shutdown(100);
  }
});

test("past the hard limit (default 4 sessions for connections=1) calls wait in the pool for a free stream and still succeed", async () => {
  const target = await countingServer({ maxConcurrentStreams: 2, delayMs: 10 });
  const { connector, opened } = countingConnector();
  const p = pool([target.url], connector, { maxSessions: 1 });
  try {
    await echo(p, "warm-up");
    const replies = await Promise.all(Array.from({ length: BURST }, (_, i) => echo(p, `call ${i}`)));
    assert.equal(replies.length, BURST);
    assert.equal(opened.get(target.url), 4);
    assert.deepEqual(p.sessionCounts(), [4]);
  } finally {
    p.close(true);
    await target.server.shutdown(100);
  }
});

test("pick() hands out an open session with room synchronously, and the least-loaded one", async () => {
  const target = await countingServer();
  const { connector } = countingConnector();
  const p = pool([target.url], connector, { maxSessions: 2 });
  try {
    const first = p.pick();
    assert.ok(first instanceof Promise, "no session yet: a promise");
    await first;
    const again = p.pick();
    assert.ok(!(again instanceof Promise), "open session with room: synchronous");
    // A call in flight when the next one is picked makes the pool grow to `maxSessions` in the background.
    const busy = [echo(p, "busy"), echo(p, "busier")];
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(p.sessionCounts(), [2]);
    await Promise.all(busy);
  } finally {
    p.close(true);
    await target.server.shutdown(100);
  }
});
