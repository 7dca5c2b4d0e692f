// The pool fed by a resolver: calls wait for the first address list, follow replicas as the list changes (dropped
// targets close their sessions), fail with the resolver's error when it has nothing, and ask for a re-resolution
// when a connect fails or a server goes away. Both engines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { ClientSession } from "../../src/engine/types.js";
import { parseAddress } from "../../src/transport/address.js";
import { ENGINES } from "../support/engines.js";
import { countingServer, echo, freePort, observedConnector, pool } from "./support/pool-harness.js";

const unavailable = (pattern: RegExp) => (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE && pattern.test(error.rawMessage);

for (const engine of ENGINES) {
  test(`${engine.name}: calls wait for the first address list, and follow the list when replicas change`, async (t) => {
    const a = await countingServer(engine);
    const b = await countingServer(engine);
    const observed = observedConnector(engine);
    const opened: ClientSession[] = [];
    const p = pool([], async (request) => {
      const session = await observed.connector(request);
      opened.push(session);
      return session;
    });
    t.after(async () => {
      p.close(true);
      await a.server.shutdown(100);
      await b.server.shutdown(100);
    });
    const early = echo(p, "before any address");
    assert.equal(p.waitingCalls(), 1, "the call waits for the resolver");
    p.setAddresses([parseAddress(a.url)]);
    assert.equal(await early, "before any address");
    assert.equal(a.calls, 1);

    p.setAddresses([parseAddress(a.url), parseAddress(b.url)]);
    assert.deepEqual(p.sessionCounts(), [1, 0], "a target still listed keeps its session");
    // The rotation reaches the new target on the next calls, which start its connect.
    await echo(p, "first call after the update");
    await echo(p, "second call after the update");
    await observed.until(() => p.sessionCounts()[1] === 1);
    const before = b.calls;
    for (let i = 0; i < 4; i++) await echo(p, "both");
    assert.equal(b.calls - before, 2, "the new replica joins the round-robin once connected");

    p.setAddresses([parseAddress(b.url)]);
    assert.deepEqual(p.subchannels().map((s) => s.address), [b.url]);
    await observed.until(() => opened[0]?.usable === false);
    const counts = { a: a.calls, b: b.calls };
    for (let i = 0; i < 3; i++) await echo(p, "only b");
    assert.equal(a.calls, counts.a, "the dropped replica gets no more calls");
    assert.equal(b.calls, counts.b + 3);
  });

  test(`${engine.name}: a resolution failure or an empty list fails calls fast with UNAVAILABLE; known addresses stay in use`, async (t) => {
    const a = await countingServer(engine);
    const p = pool([], observedConnector(engine).connector);
    t.after(async () => {
      p.close(true);
      await a.server.shutdown(100);
    });
    const waiting = echo(p, "waiting");
    p.resolutionFailed(new Error("ENOTFOUND svc.local"));
    await assert.rejects(waiting, unavailable(/name resolution failed: ENOTFOUND svc\.local/));
    await assert.rejects(echo(p, "after"), unavailable(/name resolution failed/));

    p.setAddresses([parseAddress(a.url)]);
    p.resolutionFailed(new Error("SERVFAIL"));
    assert.equal(await echo(p, "still served"), "still served");

    p.setAddresses([]);
    await assert.rejects(echo(p, "no backends"), unavailable(/returned no addresses/));
  });

  test(`${engine.name}: a failed connect and a server going away (GOAWAY) ask the resolver for fresh addresses`, async (t) => {
    const a = await countingServer(engine);
    const down = `tcp://127.0.0.1:${await freePort()}`;
    let requests = 0;
    const observed = observedConnector(engine);
    const p = pool([down, a.url], observed.connector, { requestResolution: () => requests++ });
    t.after(async () => {
      p.close(true);
      await a.server.shutdown(100);
    });
    for (let i = 0; i < 3; i++) await echo(p, "x");
    await observed.until(() => observed.attempts.get(down) === 1 && p.subchannels()[0]?.state === "transient_failure");
    assert.equal(requests, 1, "the failed connect asked once");
    await a.server.shutdown(1000);
    await observed.until(() => observed.goaways > 0 && p.sessionCounts()[1] === 0);
    assert.ok(requests >= 2, `GOAWAY asked again (${requests})`);
  });
}
