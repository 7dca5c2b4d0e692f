// waitForReady: with every target down, calls wait (instead of failing fast) until a target comes back or their
// deadline passes. Time is a ManualClock: backoff retries and deadlines pass when the test says so. Both engines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { ENGINES } from "../support/engines.js";
import { ManualClock } from "./support/manual-clock.js";
import { countingServer, echo, freePort, observedConnector, pool } from "./support/pool-harness.js";

for (const engine of ENGINES) {
  test(`${engine.name}: a waitForReady call waits through backoff and is served when the target comes back`, async (t) => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const observed = observedConnector(engine);
    const clock = new ManualClock();
    const p = pool([url], observed.connector, { waitForReady: true, clock, backoff: { initialMs: 1000, jitter: 0 } });
    let server: Awaited<ReturnType<typeof countingServer>> | undefined;
    t.after(async () => {
      p.close(true);
      await server?.server.shutdown(100);
    });
    const call = echo(p, "patient", { timeoutMs: 60_000 });
    await observed.until(() => p.subchannels()[0]?.state === "transient_failure");
    assert.equal(p.waitingCalls(), 1, "still waiting after the connect failed");
    server = await countingServer(engine, { port });
    clock.advance(1000);
    assert.equal(await call, "patient");
  });

  test(`${engine.name}: a waitForReady call fails with DEADLINE_EXCEEDED when nothing comes back in time`, async (t) => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const observed = observedConnector(engine);
    const clock = new ManualClock();
    const p = pool([url], observed.connector, { waitForReady: true, clock, backoff: { initialMs: 1000, jitter: 0 } });
    t.after(() => p.close(true));
    const call = echo(p, "patient", { timeoutMs: 3000 });
    await observed.until(() => p.subchannels()[0]?.state === "transient_failure");
    clock.advance(3000);
    await assert.rejects(call, (error: unknown) => error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
    assert.equal(p.waitingCalls(), 0);
  });

  test(`${engine.name}: without waitForReady the same call fails fast with UNAVAILABLE`, async (t) => {
    const url = `tcp://127.0.0.1:${await freePort()}`;
    const p = pool([url], observedConnector(engine).connector, { clock: new ManualClock() });
    t.after(() => p.close(true));
    await assert.rejects(echo(p, "impatient", { timeoutMs: 3000 }), (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
  });

  test(`${engine.name}: waitForReady calls also wait through a failed name resolution`, async (t) => {
    const server = await countingServer(engine);
    const clock = new ManualClock();
    const p = pool([], observedConnector(engine).connector, { waitForReady: true, clock });
    t.after(async () => {
      p.close(true);
      await server.server.shutdown(100);
    });
    const call = echo(p, "patient", { timeoutMs: 60_000 });
    p.resolutionFailed(new Error("ENOTFOUND"));
    assert.equal(p.waitingCalls(), 1);
    const { parseAddress } = await import("../../src/transport/address.js");
    p.setAddresses([parseAddress(server.url)]);
    assert.equal(await call, "patient");
  });
}
