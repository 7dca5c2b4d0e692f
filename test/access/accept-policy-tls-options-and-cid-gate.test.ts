// The accept policy shared by a single-process server and every worker: TLS options (with the handshake log) for
// tls://, the CID allowlist for vsock://, and one report of a refused peer (log line and counter).
import assert from "node:assert/strict";
import { test } from "node:test";
import { AcceptPolicy, reportCidRefusal, tlsMaterial } from "../../src/server/accept-policy.js";
import { cidFilter } from "../../src/server/cid-allowlist.js";
import { ServerMetrics } from "../../src/server/metrics.js";
import { capturingLogger } from "../support/capturing-logger.js";

const PEM_CERT = "-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n";

test("tls:// gets the certificate and key (bytes from IPC become Buffers) and logs refused handshakes at warn", () => {
  const { log, records } = capturingLogger();
  const key = new Uint8Array([45, 45, 45]);
  const policy = new AcceptPolicy({ tls: { cert: PEM_CERT, key, clientCa: PEM_CERT } }, log);
  const options = policy.listenOptions("tls://127.0.0.1:0");
  assert.equal(options.tls?.cert, PEM_CERT);
  assert.ok(Buffer.isBuffer(options.tls?.key));
  assert.deepEqual([...(options.tls?.key as Buffer)], [...key]);
  assert.equal(options.tls?.clientCa, PEM_CERT);
  options.tls?.onHandshakeError?.(new Error("no client certificate"), "127.0.0.1:4000");
  const warning = records.find((record) => record.msg === "TLS handshake refused");
  assert.ok(warning, "the refused handshake is logged");
  assert.equal(warning.level, 40);
  assert.equal(warning.remote, "127.0.0.1:4000");
  assert.ok(!JSON.stringify(records).includes("BEGIN CERTIFICATE"), "no key material in the log");
});

test("other schemes get nothing to apply; tls:// without material gets nothing either (listen then refuses it)", () => {
  const { log } = capturingLogger();
  const policy = new AcceptPolicy({ allowCids: [3] }, log);
  assert.deepEqual(policy.listenOptions("tcp://127.0.0.1:0"), {});
  assert.deepEqual(policy.listenOptions("tls://127.0.0.1:0"), {});
  assert.deepEqual(policy.listenOptions("vsock://any:5000"), { allowCids: [3] });
  assert.deepEqual(new AcceptPolicy({}, log).listenOptions("vsock://any:5000"), {});
});

test("the CID gate of inherited listeners refuses unlisted peers with the same log line and counter as GrpcServer", () => {
  const { log, records } = capturingLogger();
  const metrics = new ServerMetrics();
  assert.equal(new AcceptPolicy({}, log).cidGate(), undefined, "no allowlist: no gate");
  const gate = new AcceptPolicy({ allowCids: [3, 4] }, log, metrics).cidGate();
  assert.ok(gate);
  assert.equal(gate.filter.allows({ transport: "vsock", label: "vsock:3:1000" }), true);
  assert.equal(gate.filter.allows({ transport: "vsock", label: "vsock:5:1000" }), false);
  gate.onRefused({ transport: "vsock", label: "vsock:5:1000" });
  reportCidRefusal(log, metrics, { transport: "vsock", label: "vsock:6:1000" }, cidFilter([3, 4]));
  const refusals = records.filter((record) => record.msg === "connection refused: CID not on the allowlist");
  assert.deepEqual(refusals.map((record) => [record.level, record.peer, record.allowed]), [[40, "vsock:5:1000", "3,4"], [40, "vsock:6:1000", "3,4"]]);
  const vsock = metrics.snapshot().connections.find((entry) => entry.transport === "vsock");
  assert.equal(vsock?.refused, 2);
});

test("tlsMaterial keeps only the PEM fields, so TLS settings can cross the IPC channel", () => {
  const material = tlsMaterial({ cert: "c", key: "k", onHandshakeError: () => undefined } as Parameters<typeof tlsMaterial>[0]);
  assert.deepEqual(material, { cert: "c", key: "k" });
});
