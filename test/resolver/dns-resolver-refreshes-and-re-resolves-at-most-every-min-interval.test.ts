// The DNS resolver on injected time and an injected lookup: periodic refresh, re-resolution on request (connect
// failures, GOAWAY) no sooner than the minimum interval, and failures reported without losing known addresses.
import assert from "node:assert/strict";
import { test } from "node:test";
import { DnsResolver, type LookupResult } from "../../src/client/resolver/index.js";
import type { Address } from "../../src/transport/address.js";
import { ManualClock } from "../pool/support/manual-clock.js";

/** A lookup answering from `records` (changeable), counting calls; an Error in records makes it fail. */
function fakeDns(initial: readonly LookupResult[] | Error) {
  const dns = {
    records: initial,
    calls: [] as string[],
    lookup: (host: string): Promise<readonly LookupResult[]> => {
      dns.calls.push(host);
      return dns.records instanceof Error ? Promise.reject(dns.records) : Promise.resolve(dns.records);
    },
  };
  return dns;
}

function listen() {
  const seen = { lists: [] as string[][], errors: [] as string[] };
  const listener = {
    onAddresses: (addresses: readonly Address[]) => seen.lists.push(addresses.map((a) => a.scheme === "tcp" ? `${a.host}:${a.port}` : "?")),
    onError: (error: Error) => seen.errors.push(error.message),
  };
  return { seen, listener };
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

test("every A and AAAA record becomes an address (duplicates once), refreshed every refresh interval", async () => {
  const clock = new ManualClock();
  const dns = fakeDns([{ address: "10.0.0.1", family: 4 }, { address: "fd00::1", family: 6 }, { address: "10.0.0.1", family: 4 }]);
  const resolver = new DnsResolver("svc.local", 50051, { lookup: dns.lookup, clock, refreshIntervalMs: 60_000, minIntervalMs: 30_000 });
  const { seen, listener } = listen();
  resolver.start(listener);
  await flush();
  assert.deepEqual(seen.lists, [["10.0.0.1:50051", "fd00::1:50051"]]);
  assert.deepEqual(dns.calls, ["svc.local"]);
  assert.deepEqual(clock.pendingAt(), [60_000], "the next refresh is due after the refresh interval");

  dns.records = [{ address: "10.0.0.2", family: 4 }];
  clock.advance(59_999);
  await flush();
  assert.equal(dns.calls.length, 1, "not before the interval");
  clock.advance(1);
  await flush();
  assert.equal(dns.calls.length, 2);
  assert.deepEqual(seen.lists.at(-1), ["10.0.0.2:50051"], "a replica that came and went is followed");
  resolver.close();
  assert.deepEqual(clock.pendingAt(), [], "close stops the timer");
});

test("requests (failed connects, GOAWAY) re-resolve at once when the minimum interval has passed, else when it ends, once", async () => {
  const clock = new ManualClock();
  const dns = fakeDns([{ address: "10.0.0.1", family: 4 }]);
  const resolver = new DnsResolver("svc.local", 1, { lookup: dns.lookup, clock, refreshIntervalMs: 0, minIntervalMs: 30_000 });
  const { listener } = listen();
  resolver.start(listener);
  await flush();
  assert.deepEqual(clock.pendingAt(), [], "refresh off: nothing scheduled");

  clock.advance(10_000);
  resolver.requestResolution();
  resolver.requestResolution();
  resolver.requestResolution();
  assert.deepEqual(clock.pendingAt(), [30_000], "rate-limited: one lookup, when the minimum interval ends");
  assert.equal(dns.calls.length, 1);
  clock.advance(20_000);
  await flush();
  assert.equal(dns.calls.length, 2);

  clock.advance(40_000);
  resolver.requestResolution();
  await flush();
  assert.equal(dns.calls.length, 3, "past the minimum interval: at once");
  resolver.close();
});

test("a failed lookup is reported, retried after the minimum interval, and a later success restores addresses", async () => {
  const clock = new ManualClock();
  const dns = fakeDns(new Error("getaddrinfo ENOTFOUND svc.local"));
  const resolver = new DnsResolver("svc.local", 1, { lookup: dns.lookup, clock, refreshIntervalMs: 60_000, minIntervalMs: 5_000 });
  const { seen, listener } = listen();
  resolver.start(listener);
  await flush();
  assert.equal(seen.errors.length, 1);
  assert.match(seen.errors[0] ?? "", /cannot resolve svc\.local: getaddrinfo ENOTFOUND/);
  assert.deepEqual(clock.pendingAt(), [5_000]);

  dns.records = [];
  clock.advance(5_000);
  await flush();
  assert.match(seen.errors[1] ?? "", /returned no addresses/, "an empty answer is an error too");

  dns.records = [{ address: "10.0.0.9", family: 4 }];
  clock.advance(5_000);
  await flush();
  assert.deepEqual(seen.lists, [["10.0.0.9:1"]]);
  resolver.close();
});

test("an IP literal host needs no lookup", async () => {
  const dns = fakeDns([]);
  const resolver = new DnsResolver("127.0.0.1", 7, { lookup: dns.lookup, clock: new ManualClock() });
  const { seen, listener } = listen();
  resolver.start(listener);
  assert.deepEqual(seen.lists, [["127.0.0.1:7"]]);
  assert.deepEqual(dns.calls, []);
  resolver.close();
});

test("the default lookup resolves localhost through the system resolver", async () => {
  const resolver = new DnsResolver("localhost", 9, { refreshIntervalMs: 0 });
  const addresses = await new Promise<readonly Address[]>((resolve, reject) => resolver.start({ onAddresses: resolve, onError: reject }));
  resolver.close();
  assert.ok(addresses.some((a) => a.scheme === "tcp" && (a.host === "127.0.0.1" || a.host === "::1")), JSON.stringify(addresses));
});
