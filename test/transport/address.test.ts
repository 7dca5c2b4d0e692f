import assert from "node:assert/strict";
import { test } from "node:test";
import { AddressError, VSOCK_CID_ANY, formatAddress, parseAddress } from "../../src/transport/address.js";

test("tcp and vsock URLs parse, and format back", () => {
  assert.deepEqual(parseAddress("tcp://127.0.0.1:50051"), { scheme: "tcp", host: "127.0.0.1", port: 50051 });
  assert.deepEqual(parseAddress("tcp://[::1]:8080"), { scheme: "tcp", host: "::1", port: 8080 });
  assert.deepEqual(parseAddress("tcp://localhost:1"), { scheme: "tcp", host: "localhost", port: 1 });
  assert.deepEqual(parseAddress("vsock://3:5000"), { scheme: "vsock", cid: 3, port: 5000 });
  assert.deepEqual(parseAddress("vsock://any:5000", true), { scheme: "vsock", cid: VSOCK_CID_ANY, port: 5000 });
  assert.equal(formatAddress(parseAddress("tcp://[::1]:8080")), "tcp://[::1]:8080");
  assert.equal(formatAddress(parseAddress("vsock://any:1", true)), "vsock://any:1");
  assert.equal(parseAddress("tcp://127.0.0.1:0", true).port, 0);
});

test("bad URLs are refused with a message naming the problem", () => {
  const cases: Array<[string, RegExp]> = [
    ["127.0.0.1:50051", /expected tcp:\/\/HOST:PORT/],
    ["http://x:1", /unsupported scheme "http"/],
    ["tcp://host", /expected tcp:\/\/HOST:PORT/],
    ["tcp://host:70000", /out of range/],
    ["tcp://host:0", /out of range/],
    ["tcp://host:abc", /expected/],
    ["vsock://any:5000", /only valid for listening/],
    ["vsock://x:1", /invalid CID/],
    ["vsock://99999999999:1", /invalid CID/],
  ];
  for (const [url, pattern] of cases) {
    assert.throws(() => parseAddress(url), (error: unknown) => error instanceof AddressError && pattern.test(error.message), url);
  }
});
