// Deferred signing threads (what fastgrpc-server uses): none exist until the first Sign, that Sign is answered at
// once (on libuv's pool while the threads start), and from then on the threads exist and sign. A keyring closed
// before any Sign never starts them.
import assert from "node:assert/strict";
import { createPublicKey } from "node:crypto";
import { readdirSync } from "node:fs";
import { test } from "node:test";
import { algorithmSpec, type AlgorithmSpec } from "../../src/crypto/algorithms.js";
import { generateKeyring, type Keyring } from "../../src/crypto/keyring.js";
import { verifyKeyArgument, verifyNow } from "../../src/crypto/sign.js";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";

const data = new TextEncoder().encode("signed once the threads are wanted");

function spec(algorithm: SignatureAlgorithm): AlgorithmSpec {
  const found = algorithmSpec(algorithm);
  assert.ok(found);
  return found;
}
const ED25519 = spec(SignatureAlgorithm.ED25519);

function verifies(keyring: Keyring, signature: Uint8Array): boolean {
  const info = keyring.publicKey(KeyType.ED25519);
  assert.ok(info);
  const publicKey = createPublicKey({ key: Buffer.from(info.spkiDer), format: "der", type: "spki" });
  return verifyNow(ED25519, verifyKeyArgument(ED25519, publicKey), data, signature);
}

const linux = process.platform === "linux";
const threadIds = (): Set<number> => new Set(readdirSync("/proc/self/task").map(Number));

test("no signing thread exists before the first Sign; after it, they do and they sign", async () => {
  const keyring = await generateKeyring();
  try {
    const before = linux ? threadIds() : new Set<number>();
    keyring.startSigningThreadsOnFirstSign({ threads: 2, nice: 19 });
    assert.equal(keyring.signingThreadsStarted, false);
    assert.equal(keyring.signingThreadsReady(), undefined);

    const first = await keyring.sign(ED25519, data);
    assert.equal(verifies(keyring, first.signature), true);
    assert.equal(keyring.signingThreadsStarted, true);

    const started = await keyring.signingThreadsReady();
    assert.ok(started);
    assert.equal(started.length, 2);
    if (linux) {
      // Both are real threads of this process that did not exist before, each at nice 19.
      const now = threadIds();
      for (const { tid, nice } of started) {
        assert.ok(now.has(tid) && !before.has(tid), `thread ${tid} is new`);
        assert.equal(nice, 19);
      }
    }
    // Once they are up, Sign goes on working (on them).
    const signatures = await Promise.all(Array.from({ length: 50 }, () => keyring.sign(ED25519, data)));
    for (const { signature } of signatures) assert.equal(verifies(keyring, signature), true);
  } finally {
    await keyring.close();
  }
});

test("calls made while the threads start are all answered", async () => {
  const keyring = await generateKeyring();
  try {
    keyring.startSigningThreadsOnFirstSign({ threads: 1, nice: 0 });
    const burst = await Promise.all(Array.from({ length: 20 }, () => keyring.sign(ED25519, data)));
    for (const { signature } of burst) assert.equal(verifies(keyring, signature), true);
    assert.ok(await keyring.signingThreadsReady());
  } finally {
    await keyring.close();
  }
});

test("a keyring closed before any Sign never starts its threads", async () => {
  const keyring = await generateKeyring();
  keyring.startSigningThreadsOnFirstSign({ threads: 2, nice: 19 });
  await keyring.close();
  const { signature } = await keyring.sign(ED25519, data);
  assert.equal(verifies(keyring, signature), true);
  assert.equal(keyring.signingThreadsStarted, false);
});

test("threads are configured once", async () => {
  const keyring = await generateKeyring();
  keyring.startSigningThreadsOnFirstSign({ threads: 1, nice: 0 });
  assert.throws(() => keyring.startSigningThreadsOnFirstSign({ threads: 1, nice: 0 }), /already/);
  assert.throws(() => keyring.startSigningThreads({ threads: 1, nice: 0 }), /already/);
  await keyring.close();
});

test("the first Sign on each key type is answered and verifies, before and after the threads are up", async () => {
  const firstOfEach = [
    spec(SignatureAlgorithm.RSA_PKCS1_SHA256),
    spec(SignatureAlgorithm.ECDSA_P256_SHA256_ASN1),
    spec(SignatureAlgorithm.ECDSA_P384_SHA384_ASN1),
    ED25519,
  ];
  assert.deepEqual(firstOfEach.map((s) => s.keyType).sort(), [KeyType.RSA, KeyType.EC_P256, KeyType.EC_P384, KeyType.ED25519].sort());
  for (const first of firstOfEach) {
    // A fresh deferred keyring per key type: this key type's Sign is the one that starts the threads.
    const keyring = await generateKeyring();
    try {
      keyring.startSigningThreadsOnFirstSign({ threads: 1, nice: 0 });
      const { signature, keyId } = await keyring.sign(first, data);
      assert.equal(keyId, keyring.publicKey(first.keyType)?.keyId);
      assert.equal(await keyring.verify(first, data, signature), true, `first Sign with ${first.algorithm} verifies`);
      assert.ok(await keyring.signingThreadsReady());
      for (const other of firstOfEach) {
        const later = await keyring.sign(other, data);
        assert.equal(await keyring.verify(other, data, later.signature), true, `${other.algorithm} on the started threads`);
      }
    } finally {
      await keyring.close();
    }
  }
});
