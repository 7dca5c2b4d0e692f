/** The CID allowlist's rules, on the host (no socket): parsing --allow-cid, matching vsock peers, refusing the rest. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { cidFilter, parseCidList, peerCid } from "../../src/server/cid-allowlist.js";
import { GrpcServer } from "../../src/server/server.js";

test("--allow-cid takes one CID or a comma-separated list", () => {
  assert.deepEqual(parseCidList("3"), [3]);
  assert.deepEqual(parseCidList("3, 4,10"), [3, 4, 10]);
  for (const bad of ["", "3,", "a", "-1", "3;4", "4294967296"]) assert.throws(() => parseCidList(bad), RangeError, bad);
});

test("only vsock peers with a listed CID pass", () => {
  const filter = cidFilter([3, 42]);
  assert.equal(filter.allows({ transport: "vsock", label: "vsock:3:1024" }), true);
  assert.equal(filter.allows({ transport: "vsock", label: "vsock:42:5" }), true);
  assert.equal(filter.allows({ transport: "vsock", label: "vsock:4:1024" }), false);
  assert.equal(filter.allows({ transport: "vsock", label: "vsock:?:?" }), false, "an unreadable peer is refused");
  assert.equal(filter.allows({ transport: "tcp", label: "127.0.0.1:3" }), false);
  assert.equal(peerCid({ transport: "vsock", label: "vsock:2:99" }), 2);
  assert.equal(filter.description, "3,42");
});

test("an allowlist on a non-vsock listener is refused at listen time", async () => {
  const server = new GrpcServer();
  await assert.rejects(server.listen("tcp://127.0.0.1:0", { allowCids: [3] }), /vsock:\/\/ listeners only/);
  await server.shutdown(0);
});
