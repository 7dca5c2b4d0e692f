// GrpcClient with the new target forms, both engines: dns:/// through the system resolver, ipv4: lists spread by
// round_robin, a custom resolver (ManualResolver) moving calls as replicas change, and a DnsResolver with an
// injected lookup naming a host that only the test knows.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { DnsResolver, ManualResolver } from "../../src/client/resolver/index.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { parseAddress } from "../../src/transport/address.js";
import { ENGINES } from "../support/engines.js";
import { countingServer } from "../pool/support/pool-harness.js";

const payload = Buffer.from("hello");
const portOf = (url: string) => parseAddress(url).port ?? 0;

for (const engine of ENGINES) {
  test(`${engine.name}: dns:///localhost:PORT reaches a server on 127.0.0.1`, async (t) => {
    const server = await countingServer(engine);
    const client = new GrpcClient(`dns:///localhost:${portOf(server.url)}`, { engine: engine.client });
    t.after(async () => {
      await client.close(true);
      await server.server.shutdown(100);
    });
    for (let i = 0; i < 3; i++) assert.deepEqual(Buffer.from((await client.unary(EchoService.method.echo, { payload })).payload), payload);
    assert.equal(server.calls, 3);
  });

  test(`${engine.name}: ipv4: lists are spread by round_robin, and pick_first keeps to the first`, async (t) => {
    const a = await countingServer(engine);
    const b = await countingServer(engine);
    const target = `ipv4:127.0.0.1:${portOf(a.url)},127.0.0.1:${portOf(b.url)}`;
    const spread = new GrpcClient(target, { engine: engine.client, loadBalancing: "round_robin" });
    const first = new GrpcClient(target, { engine: engine.client, loadBalancing: "pick_first" });
    t.after(async () => {
      await spread.close(true);
      await first.close(true);
      await a.server.shutdown(100);
      await b.server.shutdown(100);
    });
    await Promise.all(Array.from({ length: 4 }, () => first.unary(EchoService.method.echo, { payload })));
    assert.deepEqual([a.calls, b.calls], [4, 0]);
    // Both replicas connected once the rotation has passed them; from then on calls alternate.
    await Promise.all(Array.from({ length: 20 }, () => spread.unary(EchoService.method.echo, { payload })));
    const before = [a.calls, b.calls];
    for (let i = 0; i < 10; i++) await spread.unary(EchoService.method.echo, { payload });
    assert.deepEqual([a.calls - (before[0] ?? 0), b.calls - (before[1] ?? 0)], [5, 5]);
  });

  test(`${engine.name}: a custom resolver feeds the client; calls follow its updates and it hears of lost servers`, async (t) => {
    const a = await countingServer(engine);
    const b = await countingServer(engine);
    const resolver = new ManualResolver();
    const client = new GrpcClient("registry:///echo", { engine: engine.client, resolver, waitForReady: true });
    t.after(async () => {
      await client.close(true);
      await a.server.shutdown(100);
      await b.server.shutdown(100);
    });
    const early = client.unary(EchoService.method.echo, { payload }, { timeoutMs: 10_000 });
    resolver.update([parseAddress(a.url)]);
    await early;
    assert.equal(a.calls, 1);
    resolver.update([parseAddress(b.url)]);
    await client.unary(EchoService.method.echo, { payload });
    assert.equal(b.calls, 1);
    await b.server.shutdown(1000);
    await assert.rejects(client.unary(EchoService.method.echo, { payload }, { timeoutMs: 300 }),
      (error: unknown) => error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED, "waitForReady: waits until the deadline");
    assert.ok(resolver.resolutionRequests >= 1, "the client asked the resolver for fresh addresses");
  });

  test(`${engine.name}: a DnsResolver with an injected lookup resolves a name only the test knows`, async (t) => {
    const server = await countingServer(engine);
    const lookups: string[] = [];
    const resolver = new DnsResolver("echo.fleet.test", portOf(server.url), {
      lookup: (host) => {
        lookups.push(host);
        return Promise.resolve([{ address: "127.0.0.1", family: 4 }]);
      },
    });
    const client = new GrpcClient("dns:///echo.fleet.test", { engine: engine.client, resolver });
    t.after(async () => {
      await client.close(true);
      await server.server.shutdown(100);
    });
    await client.unary(EchoService.method.echo, { payload });
    assert.deepEqual(lookups, ["echo.fleet.test"]);
    assert.equal(server.calls, 1);
  });

  test(`${engine.name}: a name that does not resolve fails calls with UNAVAILABLE`, async (t) => {
    const resolver = new DnsResolver("nowhere.invalid", 1, { lookup: () => Promise.reject(new Error("getaddrinfo ENOTFOUND nowhere.invalid")) });
    const client = new GrpcClient("dns:///nowhere.invalid:1", { engine: engine.client, resolver });
    t.after(() => client.close(true));
    await new Promise((resolve) => setImmediate(resolve));
    await assert.rejects(client.unary(EchoService.method.echo, { payload }),
      (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE && /ENOTFOUND/.test(error.rawMessage));
  });
}

test("bad targets are refused when the client is made, before anything connects", () => {
  assert.throws(() => new GrpcClient("dns://8.8.8.8/svc:1"), /DNS server authority/);
  assert.throws(() => new GrpcClient("ipv4:not-an-ip:1"), /not an IPv4 address/);
  assert.throws(() => new GrpcClient("unix:"), /empty path/);
});
