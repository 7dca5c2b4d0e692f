import assert from "node:assert/strict";
import { test } from "node:test";
import { DnsResolver, StaticResolver, parseTarget, resolverFor, targetLabel } from "../../src/client/resolver/index.js";
import { AddressError } from "../../src/transport/address.js";

test("dns:///host:port, dns:host and dns:///[v6]:port name a DNS target (port 443 when absent)", () => {
  assert.deepEqual(parseTarget("dns:///svc.local:50051"), { kind: "dns", host: "svc.local", port: 50051 });
  assert.deepEqual(parseTarget("dns:svc.local"), { kind: "dns", host: "svc.local", port: 443 });
  assert.deepEqual(parseTarget("dns:///[::1]:8080"), { kind: "dns", host: "::1", port: 8080 });
});

test("ipv4: and ipv6: lists are fixed address lists", () => {
  assert.deepEqual(parseTarget("ipv4:10.0.0.1:50051,10.0.0.2"), { kind: "static", addresses: [
    { scheme: "tcp", host: "10.0.0.1", port: 50051 }, { scheme: "tcp", host: "10.0.0.2", port: 443 }] });
  assert.deepEqual(parseTarget("ipv6:[::1]:50051,::2"), { kind: "static", addresses: [
    { scheme: "tcp", host: "::1", port: 50051 }, { scheme: "tcp", host: "::2", port: 443 }] });
});

test("transport URLs (tcp://, unix:, unix-abstract:) stay single fixed addresses", () => {
  assert.deepEqual(parseTarget("tcp://127.0.0.1:1"), { kind: "static", addresses: [{ scheme: "tcp", host: "127.0.0.1", port: 1 }] });
  assert.deepEqual(parseTarget("unix:///tmp/s"), { kind: "static", addresses: [{ scheme: "unix", path: "/tmp/s", abstract: false }] });
});

test("bad target names are refused with a message naming the problem", () => {
  const cases: Array<[string, RegExp]> = [
    ["dns://8.8.8.8/svc:1", /DNS server authority/],
    ["dns:///", /empty host/],
    ["dns:///svc:0", /port out of range/],
    ["dns:///svc:99999", /port out of range/],
    ["ipv4:", /no addresses/],
    ["ipv4:::1", /not an IPv4 address|expected HOST/],
    ["ipv4:300.1.1.1:5", /not an IPv4 address/],
    ["ipv6:[1.2.3.4]:5", /not an IPv6 address/],
    ["http://x:1", /unsupported scheme/],
  ];
  for (const [target, pattern] of cases) {
    assert.throws(() => parseTarget(target), (error: unknown) => error instanceof AddressError && pattern.test(error.message), target);
  }
});

test("resolverFor: one dns: target gets the DNS resolver, lists the static one; dns: cannot be mixed", () => {
  assert.ok(resolverFor(["dns:///svc:1"]) instanceof DnsResolver);
  assert.ok(resolverFor(["tcp://127.0.0.1:1", "ipv4:10.0.0.1:2"]) instanceof StaticResolver);
  assert.throws(() => resolverFor(["dns:///svc:1", "tcp://127.0.0.1:1"]), /only target/);
  assert.equal(targetLabel(["dns:///svc:1"]), "dns:///svc:1");
  assert.equal(targetLabel(["tcp://127.0.0.1:1"]), "tcp://127.0.0.1:1");
});
