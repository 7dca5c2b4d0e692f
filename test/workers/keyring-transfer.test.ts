// Handing keys to a worker: same keys after the round trip, both copies wiped, bad payloads refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import { serialize, deserialize } from "node:v8";
import { generateKeyring, Keyring } from "../../src/crypto/keyring.js";
import { generateKeySet } from "../../src/crypto/keyring-keys.js";
import { exportKeyTransfer, isKeyTransfer, keySetFromTransfer } from "../../src/crypto/keyring-transfer.js";
import { algorithmSpec } from "../../src/crypto/algorithms.js";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";

test("a keyring rebuilt from a transfer holds the same keys and signs verifiably; both sides' bytes are wiped", async () => {
  const original = await generateKeyring();
  const sent = exportKeyTransfer(original);
  const received: unknown = deserialize(serialize(sent)); // what the "advanced" IPC channel does
  assert.ok(isKeyTransfer(received));
  const rebuilt = new Keyring(keySetFromTransfer(received));
  assert.deepEqual(rebuilt.list().map((info) => info.keyId), original.list().map((info) => info.keyId));
  for (const key of received.keys) assert.ok(key.pkcs8.every((byte) => byte === 0), "received bytes wiped");
  const spec = algorithmSpec(SignatureAlgorithm.ED25519);
  assert.ok(spec);
  const data = new TextEncoder().encode("x");
  const { signature } = await rebuilt.sign(spec, data);
  assert.equal(await original.verify(spec, data, signature), true);
});

test("malformed transfers are refused with TypeError, never a crash", () => {
  assert.equal(isKeyTransfer({ keys: [{ keyType: 1, pkcs8: "nope" }] }), false);
  assert.equal(isKeyTransfer(null), false);
  assert.throws(() => keySetFromTransfer({ keys: [{ keyType: KeyType.RSA, pkcs8: new Uint8Array([1, 2, 3]) }] }), /not a PKCS#8 private key/);
  assert.throws(() => keySetFromTransfer({ keys: [{ keyType: 99, pkcs8: new Uint8Array(8) }] }), /unexpected key type 99/);
});

test("a KeySet (what a multi-worker primary holds: no signing machinery) transfers the same keys as a Keyring built on it", async () => {
  const keys = await generateKeySet();
  const sent = exportKeyTransfer(keys);
  const rebuilt = new Keyring(keySetFromTransfer(sent));
  assert.deepEqual(rebuilt.list().map((info) => info.keyId), keys.list().map((info) => info.keyId));
  for (const key of sent.keys) assert.ok(key.pkcs8.every((byte) => byte === 0), "sent bytes wiped by the receiver");
  assert.doesNotMatch(JSON.stringify(keys), /PRIVATE/, "only public facts when serialised");
});
