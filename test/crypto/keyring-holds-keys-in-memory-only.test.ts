// The keyring: what it generates, what it accepts, and that nothing it shows carries a private key.
import assert from "node:assert/strict";
import { constants, generateKeyPairSync, sign as nodeSign, type KeyObject } from "node:crypto";
import { test } from "node:test";
import { inspect } from "node:util";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { algorithmSpec } from "../../src/crypto/algorithms.js";
import { generateKeyring, Keyring } from "../../src/crypto/keyring.js";
import type { RsaKeyBits } from "../../src/crypto/key-types.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { createCryptoService } from "../../src/services/crypto.js";
import { testCallContext } from "./helpers/call-context.js";

const DATA = new TextEncoder().encode("keyring test data");

function ownKeys(): [KeyType, KeyObject][] {
  return [
    [KeyType.RSA, generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey],
    [KeyType.EC_P256, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey],
    [KeyType.EC_P384, generateKeyPairSync("ec", { namedCurve: "P-384" }).privateKey],
    [KeyType.ED25519, generateKeyPairSync("ed25519").privateKey],
  ];
}

function specOf(algorithm: SignatureAlgorithm) {
  const spec = algorithmSpec(algorithm);
  assert.ok(spec, `no spec for ${algorithm}`);
  return spec;
}

test("generateKeyring makes one key of each type, RSA with the requested size", async () => {
  const keyring = await generateKeyring({ rsaBits: 3072 });
  const list = keyring.list();
  assert.deepEqual(list.map((info) => info.keyType), [KeyType.RSA, KeyType.EC_P256, KeyType.EC_P384, KeyType.ED25519]);
  assert.deepEqual(list.map((info) => info.description), ["RSA-3072", "EC P-256", "EC P-384", "Ed25519"]);
  assert.equal((await generateKeyring()).publicKey(KeyType.RSA)?.description, "RSA-2048");
});

test("generateKeyring refuses RSA sizes other than 2048, 3072 and 4096", async () => {
  for (const bits of [1024, 2047, 8192, 0]) {
    await assert.rejects(generateKeyring({ rsaBits: bits as RsaKeyBits }), RangeError);
  }
});

test("two keyrings generate different keys", async () => {
  const [a, b] = await Promise.all([generateKeyring(), generateKeyring()]);
  for (const info of a.list()) assert.notEqual(info.keyId, b.publicKey(info.keyType)?.keyId);
});

test("inspecting or serialising a keyring shows key ids, never private key material", () => {
  const keys = ownKeys();
  const keyring = new Keyring(keys);
  const shown = [inspect(keyring, { depth: 10, showHidden: true }), JSON.stringify(keyring), String(keyring)].join("\n");
  for (const info of keyring.list()) assert.ok(shown.includes(info.keyId));
  for (const [, privateKey] of keys) {
    const der = privateKey.export({ type: "pkcs8", format: "der" });
    // Any 24 bytes of the PKCS#8 body in base64 or hex would give it away; check the private part's tail.
    const tail = der.subarray(der.length - 24);
    assert.ok(!shown.includes(tail.toString("base64")), "private key bytes (base64) visible");
    assert.ok(!shown.includes(tail.toString("hex")), "private key bytes (hex) visible");
  }
  assert.doesNotMatch(shown, /PRIVATE KEY/);
});

test("the constructor takes existing private keys and refuses public keys and keys in the wrong slot", () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const p521 = generateKeyPairSync("ec", { namedCurve: "P-521" });
  assert.equal(new Keyring([[KeyType.RSA, rsa.privateKey]]).list().length, 1);
  assert.throws(() => new Keyring([[KeyType.RSA, rsa.publicKey]]), /not a private key/);
  assert.throws(() => new Keyring([[KeyType.RSA, p256.privateKey]]), /EC P-256 key cannot serve as KEY_TYPE_RSA/);
  assert.throws(() => new Keyring([[KeyType.EC_P384, p256.privateKey]]), /cannot serve as KEY_TYPE_EC_P384/);
  assert.throws(() => new Keyring([[KeyType.EC_P256, p521.privateKey]]), /cannot serve as KEY_TYPE_EC_P256/);
});

test("a key type the keyring does not hold is FAILED_PRECONDITION, not a crash", async () => {
  const keyring = new Keyring([[KeyType.EC_P256, generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey]]);
  const service = createCryptoService(keyring);
  const check = (error: unknown) => error instanceof GrpcError && error.code === Code.FAILED_PRECONDITION && /no KEY_TYPE_RSA key/.test(error.rawMessage);
  await assert.rejects(
    Promise.resolve().then(() => service.sign({ $typeName: "fastgrpc.crypto.v1.SignRequest", data: DATA, keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PSS_SHA256 }, testCallContext())),
    check,
  );
  await assert.rejects(Promise.resolve().then(() => service.getPublicKey({ $typeName: "fastgrpc.crypto.v1.GetPublicKeyRequest", keyType: KeyType.RSA }, testCallContext())), check);
});

test("verification insists on a PSS salt as long as the digest", async () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const keyring = new Keyring([[KeyType.RSA, rsa.privateKey]]);
  const spec = specOf(SignatureAlgorithm.RSA_PSS_SHA256);
  const pss = (saltLength: number) => nodeSign("sha256", DATA, { key: rsa.privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength });
  assert.equal(await keyring.verify(spec, DATA, pss(32)), true);
  assert.equal(await keyring.verify(spec, DATA, pss(constants.RSA_PSS_SALTLEN_MAX_SIGN)), false);
  assert.equal(await keyring.verify(spec, DATA, pss(20)), false);
});

test("a failure inside the crypto library is INTERNAL and its message carries no key material", async () => {
  const keys = ownKeys();
  const keyring = new Keyring(keys);
  // A digest OpenSSL does not know makes node:crypto fail the way a broken library would.
  const broken = { ...specOf(SignatureAlgorithm.RSA_PKCS1_SHA256), digest: "no-such-digest" as "sha256" };
  await assert.rejects(keyring.sign(broken, DATA), (error: unknown) => {
    assert.ok(error instanceof GrpcError);
    assert.equal(error.code, Code.INTERNAL);
    assert.equal(error.rawMessage, "signing with SIGNATURE_ALGORITHM_RSA_PKCS1_SHA256 failed in the crypto library");
    return true;
  });
  await assert.rejects(keyring.verify(broken, DATA, new Uint8Array(256)), (error: unknown) => error instanceof GrpcError && error.code === Code.INTERNAL);
});

test("signing runs off the event loop: the loop turns while RSA-4096 signatures are pending", async () => {
  const keyring = new Keyring([[KeyType.RSA, generateKeyPairSync("rsa", { modulusLength: 4096 }).privateKey]]);
  const spec = specOf(SignatureAlgorithm.RSA_PSS_SHA512);
  let finished = 0;
  const pending = Array.from({ length: 40 }, () => keyring.sign(spec, DATA).then(() => finished++));
  // Signing on the loop would finish all 40 (several ms each) before the next loop turn; on the pool, the loop turns
  // at once and finds most of them still pending, however busy the machine is.
  const finishedAtNextTurn = await new Promise<number>((resolve) => setImmediate(() => resolve(finished)));
  await Promise.all(pending);
  assert.equal(finished, 40);
  assert.ok(finishedAtNextTurn < 40, `all ${finishedAtNextTurn} signatures were done before the loop turned`);
});
