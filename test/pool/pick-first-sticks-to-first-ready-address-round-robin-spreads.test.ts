// Load-balancing policies over the resolved addresses, both engines: pick_first sends every call to the first
// address that connects (later ones are never dialled), passing over an address that is down; round_robin spreads.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ENGINES } from "../support/engines.js";
import { ManualClock } from "./support/manual-clock.js";
import { countingServer, echo, freePort, observedConnector, pool } from "./support/pool-harness.js";

for (const engine of ENGINES) {
  test(`${engine.name}: pick_first sends every call to the first address and never dials the others`, async (t) => {
    const a = await countingServer(engine);
    const b = await countingServer(engine);
    const observed = observedConnector(engine);
    const p = pool([a.url, b.url], observed.connector, { loadBalancing: "pick_first" });
    t.after(async () => {
      p.close(true);
      await a.server.shutdown(100);
      await b.server.shutdown(100);
    });
    await Promise.all(Array.from({ length: 10 }, (_, i) => echo(p, `call ${i}`)));
    for (let i = 0; i < 10; i++) await echo(p, "sequential");
    assert.equal(a.calls, 20);
    assert.equal(b.calls, 0);
    assert.equal(observed.attempts.get(b.url), undefined, "the second address is not dialled");
    assert.deepEqual(p.subchannels().map((s) => s.state), ["ready", "idle"]);
  });

  test(`${engine.name}: pick_first passes over an address that is down, and returns to it when it recovers`, async (t) => {
    const downPort = await freePort();
    const down = `tcp://127.0.0.1:${downPort}`;
    const b = await countingServer(engine);
    const observed = observedConnector(engine);
    const clock = new ManualClock();
    const p = pool([down, b.url], observed.connector, { loadBalancing: "pick_first", clock, backoff: { initialMs: 1000, jitter: 0 } });
    let later: Awaited<ReturnType<typeof countingServer>> | undefined;
    t.after(async () => {
      p.close(true);
      await b.server.shutdown(100);
      await later?.server.shutdown(100);
    });
    for (let i = 0; i < 5; i++) assert.equal(await echo(p, `call ${i}`), `call ${i}`);
    assert.equal(b.calls, 5);
    assert.deepEqual(p.subchannels().map((s) => s.state), ["transient_failure", "ready"]);

    later = await countingServer(engine, { port: downPort });
    clock.advance(1000);
    await observed.until(() => p.subchannels()[0]?.state === "ready");
    for (let i = 0; i < 5; i++) await echo(p, "back");
    assert.equal(later.calls, 5, "the first address is preferred again once it is ready");
    assert.equal(b.calls, 5);
  });

  test(`${engine.name}: round_robin spreads calls evenly over every address`, async (t) => {
    const servers = await Promise.all([countingServer(engine), countingServer(engine), countingServer(engine)]);
    const p = pool(servers.map((s) => s.url), observedConnector(engine).connector, { loadBalancing: "round_robin" });
    t.after(async () => {
      p.close(true);
      for (const server of servers) await server.server.shutdown(100);
    });
    for (let i = 0; i < 30; i++) await echo(p, "rr");
    assert.deepEqual(servers.map((s) => s.calls), [10, 10, 10]);
    assert.deepEqual(p.subchannels().map((s) => s.state), ["ready", "ready", "ready"]);
  });
}
