// Several targets: a target that is down is skipped (backing off) and used again once it answers. Both engines;
// the pool's time is a ManualClock, so backoff delays pass when the test says so.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { ENGINES } from "../support/engines.js";
import { ManualClock } from "./support/manual-clock.js";
import { countingServer, echo, freePort, observedConnector, pool, type CountingServer } from "./support/pool-harness.js";

for (const engine of ENGINES) {
  test(`${engine.name}: a down target is skipped while it backs off, and rejoins the round-robin when it comes back`, async (t) => {
    const up = await countingServer(engine);
    const downPort = await freePort();
    const down = `tcp://127.0.0.1:${downPort}`;
    const observed = observedConnector(engine);
    const clock = new ManualClock();
    const p = pool([up.url, down], observed.connector, { backoff: { initialMs: 50, multiplier: 2, maxMs: 200, jitter: 0.2 }, clock });
    let later: CountingServer | undefined;
    t.after(async () => {
      p.close(true);
      await up.server.shutdown(100);
      await later?.server.shutdown(100);
    });
    for (let i = 0; i < 20; i++) assert.equal(await echo(p, `call ${i}`), `call ${i}`);
    assert.equal(up.calls, 20, "every call went to the target that is up");
    assert.equal(observed.attempts.get(down), 1, "no further connect to the down target while it backs off");
    assert.deepEqual(clock.pendingAt(), [50], "one background retry, after the first backoff delay");

    later = await countingServer(engine, { port: downPort });
    clock.advance(50);
    await observed.until(() => p.sessionCounts()[1] === 1);
    assert.equal(observed.attempts.get(down), 2);
    const before = { up: up.calls, later: later.calls };
    for (let i = 0; i < 10; i++) await echo(p, "spread");
    assert.equal(up.calls - before.up, 5, "round-robin over both targets");
    assert.equal(later.calls - before.later, 5);
  });

  test(`${engine.name}: when every target is down, calls fail fast with UNAVAILABLE naming the target, and retries back off`, async (t) => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const observed = observedConnector(engine);
    const clock = new ManualClock();
    const p = pool([url], observed.connector, { backoff: { initialMs: 10_000, multiplier: 2, jitter: 0 }, clock });
    t.after(() => p.close(true));
    const check = (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE && error.rawMessage.includes(String(port));
    await assert.rejects(echo(p, "first"), check);
    await assert.rejects(echo(p, "while backing off"), check);
    assert.equal(observed.attempts.get(url), 1, "no connect attempt while backing off");
    clock.advance(10_000);
    await observed.until(() => clock.pendingAt().length === 1);
    assert.equal(observed.attempts.get(url), 2, "the background retry ran after the delay");
    assert.deepEqual(clock.pendingAt(), [30_000], "and the next delay doubled");
  });
}
