// RSA-PSS signs with a bare "rsa-pss" KeyObject derived from the RSA key (cheaper than an options object), and the
// signatures stay standard PSS: MGF1 with the message hash, salt exactly as long as the digest, plain RSA public key.
import assert from "node:assert/strict";
import { KeyObject, constants, createPublicKey, generateKeyPairSync, verify as nodeVerify } from "node:crypto";
import { test } from "node:test";
import { SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { algorithmSpec } from "../../src/crypto/algorithms.js";
import { Keyring } from "../../src/crypto/keyring.js";
import { rsaPssPrivateKey } from "../../src/crypto/rsa-pss-key.js";
import { signKeyArgument, signOffLoop } from "../../src/crypto/sign.js";
import { KeyType } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";

const DATA = new TextEncoder().encode("pss with a bare key");
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PSS = [
  { algorithm: SignatureAlgorithm.RSA_PSS_SHA256, hash: "sha256", saltBytes: 32 },
  { algorithm: SignatureAlgorithm.RSA_PSS_SHA384, hash: "sha384", saltBytes: 48 },
  { algorithm: SignatureAlgorithm.RSA_PSS_SHA512, hash: "sha512", saltBytes: 64 },
] as const;

function specOf(algorithm: SignatureAlgorithm) {
  const spec = algorithmSpec(algorithm);
  assert.ok(spec, `no spec for ${algorithm}`);
  return spec;
}

function verifiesWith(hash: string, signature: Uint8Array, padding: number, saltLength: number): boolean {
  return nodeVerify(hash, DATA, { key: rsa.publicKey, padding, saltLength }, signature);
}

for (const { algorithm, hash, saltBytes } of PSS) {
  const name = SignatureAlgorithm[algorithm];

  test(`${name}: the prepared key is a bare rsa-pss KeyObject restricted to ${hash}, MGF1-${hash}, salt ${saltBytes}`, () => {
    const key = signKeyArgument(specOf(algorithm), rsa.privateKey);
    assert.ok(key instanceof KeyObject, "PSS must not need an options object");
    assert.equal(key.asymmetricKeyType, "rsa-pss");
    assert.deepEqual(key.asymmetricKeyDetails, {
      modulusLength: 2048,
      publicExponent: 65537n,
      hashAlgorithm: hash,
      mgf1HashAlgorithm: hash,
      saltLength: saltBytes,
    });
  });

  test(`${name}: signatures verify with the plain RSA public key at salt ${saltBytes} exactly, and at no other setting`, async () => {
    const signature = await signOffLoop(specOf(algorithm), signKeyArgument(specOf(algorithm), rsa.privateKey), DATA);
    assert.equal(signature.length, 256);
    assert.ok(verifiesWith(hash, signature, constants.RSA_PKCS1_PSS_PADDING, saltBytes));
    assert.ok(!verifiesWith(hash, signature, constants.RSA_PKCS1_PSS_PADDING, saltBytes + 1), "salt must be exactly the digest length");
    assert.ok(!verifiesWith(hash, signature, constants.RSA_PKCS1_PADDING, 0), "not a PKCS#1 v1.5 signature");
  });
}

test("the keyring's PSS signatures pass its own Verify and fail with other data", async () => {
  const keyring = new Keyring([[KeyType.RSA, rsa.privateKey]]);
  for (const { algorithm } of PSS) {
    const spec = specOf(algorithm);
    const { signature } = await keyring.sign(spec, DATA);
    assert.equal(await keyring.verify(spec, DATA, signature), true);
    assert.equal(await keyring.verify(spec, new TextEncoder().encode("other data"), signature), false);
  }
});

test("rsaPssPrivateKey refuses what is not an RSA private key", () => {
  assert.equal(rsaPssPrivateKey(rsa.publicKey, "sha256"), undefined);
  assert.equal(rsaPssPrivateKey(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey, "sha256"), undefined);
  assert.equal(rsaPssPrivateKey(generateKeyPairSync("ed25519").privateKey, "sha256"), undefined);
  const pss = rsaPssPrivateKey(rsa.privateKey, "sha256");
  assert.ok(pss);
  assert.equal(rsaPssPrivateKey(pss, "sha384"), undefined, "an rsa-pss key is not re-derived");
  // Same key pair: the derived key's public half has the RSA modulus.
  assert.deepEqual(createPublicKey(pss).asymmetricKeyDetails?.modulusLength, 2048);
});
