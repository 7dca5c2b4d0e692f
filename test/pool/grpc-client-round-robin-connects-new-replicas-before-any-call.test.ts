// Through GrpcClient on both engines, with real servers and a ManualResolver: a round_robin client connects to every
// address as soon as it is in use, and to a replica that joins the address list before any call goes to it; the
// next calls then rotate over all of them. pick_first dials only the first.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { ManualResolver } from "../../src/client/resolver/index.js";
import type { LoadBalancingPolicy } from "../../src/client/pool.js";
import { EchoService } from "../../src/services/echo.js";
import { parseAddress } from "../../src/transport/address.js";
import { ENGINES } from "../support/engines.js";
import { countingServer, observedConnector } from "./support/pool-harness.js";

const payload = Buffer.from("rr");

for (const engine of ENGINES) {
  for (const loadBalancing of ["round_robin", "pick_first"] as LoadBalancingPolicy[]) {
    test(`${engine.name}: ${loadBalancing} through GrpcClient: which replicas get connections before calls reach them`, async (t) => {
      const servers = await Promise.all([countingServer(engine), countingServer(engine), countingServer(engine)]);
      const [a, b, c] = servers.map((server) => server.url);
      assert.ok(a !== undefined && b !== undefined && c !== undefined);
      const observed = observedConnector(engine);
      const resolver = new ManualResolver([parseAddress(a), parseAddress(b)]);
      const client = new GrpcClient("manual:///echo", { engine: engine.client, resolver, connector: observed.connector, loadBalancing });
      t.after(async () => {
        await client.close(true);
        for (const server of servers) await server.server.shutdown(100);
      });
      assert.equal(observed.attempts.size, 0, "no connection before the first call");
      await client.unary(EchoService.method.echo, { payload });
      if (loadBalancing === "pick_first") {
        resolver.update([a, b, c].map((url) => parseAddress(url)));
        for (let i = 0; i < 4; i++) await client.unary(EchoService.method.echo, { payload });
        assert.deepEqual(servers.map((server) => server.calls), [5, 0, 0]);
        assert.deepEqual([...observed.attempts.keys()], [a], "pick_first dials the first address only");
        return;
      }
      await observed.until(() => observed.opened.get(a) === 1 && observed.opened.get(b) === 1);
      resolver.update([a, b, c].map((url) => parseAddress(url)));
      // The new replica connects without a call being made.
      await observed.until(() => observed.opened.get(c) === 1);
      assert.equal(servers[2]?.calls, 0);
      for (let i = 0; i < 6; i++) await client.unary(EchoService.method.echo, { payload });
      assert.deepEqual(servers.map((server) => server.calls).reduce((x, y) => x + y), 7);
      assert.deepEqual(servers.map((server) => server.calls >= 2), [true, true, true], `calls rotate over all three: ${servers.map((s) => s.calls).join(" ")}`);
      assert.deepEqual([a, b, c].map((url) => observed.attempts.get(url)), [1, 1, 1], "one connection each");
    });
  }
}
