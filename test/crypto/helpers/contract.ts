/**
 * The behaviour every CryptoService must show, whichever way it is reached. Registers node:test tests; `api()` is
 * read when each test runs, so a suite can create it in a `before` hook.
 */
import assert from "node:assert/strict";
import { createHash, createPublicKey, verify as nodeVerify } from "node:crypto";
import { test } from "node:test";
import { KeyType, SignatureAlgorithm } from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { ALL_ALGORITHMS, ALL_KEY_TYPES, algorithmName, keyTypeName, algorithmSpec } from "../../../src/crypto/algorithms.js";
import { Code } from "../../../src/errors/codes.js";
import type { CryptoApi } from "./crypto-api.js";
import { opensslVerifies } from "./openssl.js";
import { isGrpcError } from "../../support/grpc-errors.js";

const MESSAGE = new TextEncoder().encode("fastgrpc crypto contract: 64 bytes of data to sign, more or less..");

function nodeVerifies(algorithm: SignatureAlgorithm, spkiDer: Uint8Array, data: Uint8Array, signature: Uint8Array): boolean {
  const spec = algorithmSpec(algorithm);
  assert.ok(spec);
  const key = createPublicKey({ key: Buffer.from(spkiDer), format: "der", type: "spki" });
  const dsaEncoding = spec.fixedHalfBytes === undefined ? "der" : "ieee-p1363";
  return nodeVerify(spec.digest, data, { key, dsaEncoding, ...spec.keyOptions }, signature);
}

export function cryptoContractTests(api: () => CryptoApi): void {
  for (const spec of ALL_ALGORITHMS) {
    const name = algorithmName(spec.algorithm);
    test(`${name} signs and OpenSSL verifies the signature with the public key`, async () => {
      const pub = await api().getPublicKey({ keyType: spec.keyType });
      const response = await api().sign({ data: MESSAGE, keyType: spec.keyType, algorithm: spec.algorithm });
      assert.equal(response.algorithm, spec.algorithm);
      assert.equal(response.keyId, pub.keyId);
      if (spec.fixedHalfBytes !== undefined) assert.equal(response.signature.byteLength, 2 * spec.fixedHalfBytes);
      assert.equal(opensslVerifies(spec.algorithm, pub.pem, MESSAGE, response.signature), true, "openssl rejected the signature");
      const tampered = Uint8Array.from(MESSAGE);
      tampered[0] = (tampered[0] ?? 0) ^ 1;
      assert.equal(opensslVerifies(spec.algorithm, pub.pem, tampered, response.signature), false, "openssl accepted tampered data");
    });

    test(`${name} signs empty data`, async () => {
      const pub = await api().getPublicKey({ keyType: spec.keyType });
      const response = await api().sign({ data: new Uint8Array(0), keyType: spec.keyType, algorithm: spec.algorithm });
      assert.ok(response.signature.byteLength > 0);
      // OpenSSL 3.0's pkeyutl cannot take an empty -rawin message, so Ed25519's empty case is checked by node:crypto.
      const valid =
        spec.digest === null
          ? nodeVerifies(spec.algorithm, pub.spkiDer, new Uint8Array(0), response.signature)
          : opensslVerifies(spec.algorithm, pub.pem, new Uint8Array(0), response.signature);
      assert.equal(valid, true);
    });

    test(`Verify accepts a ${name} signature and rejects tampered data, a garbled and an empty signature`, async () => {
      const { signature } = await api().sign({ data: MESSAGE, keyType: spec.keyType, algorithm: spec.algorithm });
      const base = { keyType: spec.keyType, algorithm: spec.algorithm };
      assert.equal((await api().verify({ ...base, data: MESSAGE, signature })).valid, true);
      assert.equal((await api().verify({ ...base, data: MESSAGE.subarray(1), signature })).valid, false);
      const garbled = Uint8Array.from(signature);
      garbled[garbled.length - 1] = (garbled[garbled.length - 1] ?? 0) ^ 0x55;
      assert.equal((await api().verify({ ...base, data: MESSAGE, signature: garbled })).valid, false);
      assert.equal((await api().verify({ ...base, data: MESSAGE, signature: new Uint8Array(0) })).valid, false);
    });
  }

  test("Verify checks the padding: an RSA PKCS#1 v1.5 signature presented as PSS is invalid", async () => {
    const { signature } = await api().sign({ data: MESSAGE, keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PKCS1_SHA256 });
    const asPss = await api().verify({ data: MESSAGE, signature, keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PSS_SHA256 });
    assert.equal(asPss.valid, false);
    const asPkcs1 = await api().verify({ data: MESSAGE, signature, keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PKCS1_SHA256 });
    assert.equal(asPkcs1.valid, true);
  });

  test("GetPublicKey returns the same key id every time, the SHA-256 of the DER, and a PEM of the same key", async () => {
    for (const keyType of ALL_KEY_TYPES) {
      const first = await api().getPublicKey({ keyType });
      const second = await api().getPublicKey({ keyType });
      assert.equal(first.keyType, keyType);
      assert.match(first.keyId, /^[0-9a-f]{64}$/);
      assert.equal(second.keyId, first.keyId);
      assert.equal(first.keyId, createHash("sha256").update(first.spkiDer).digest("hex"));
      const fromPem = createPublicKey(first.pem).export({ type: "spki", format: "der" });
      assert.deepEqual(new Uint8Array(fromPem), new Uint8Array(first.spkiDer));
      assert.match(first.pem, /^-----BEGIN PUBLIC KEY-----\n/);
    }
  });

  test("the four key types have four different keys", async () => {
    const ids = new Set<string>();
    for (const keyType of ALL_KEY_TYPES) ids.add((await api().getPublicKey({ keyType })).keyId);
    assert.equal(ids.size, 4);
  });

  test("UNSPECIFIED and unknown key types are INVALID_ARGUMENT on every method", async () => {
    const algorithm = SignatureAlgorithm.RSA_PKCS1_SHA256;
    for (const keyType of [KeyType.UNSPECIFIED, 99, 5, -1]) {
      const pattern = keyType === KeyType.UNSPECIFIED ? /KEY_TYPE_UNSPECIFIED/ : new RegExp(`key_type ${keyType} is not a known`);
      await assert.rejects(api().sign({ data: MESSAGE, keyType, algorithm }), isGrpcError(Code.INVALID_ARGUMENT, pattern));
      await assert.rejects(api().verify({ data: MESSAGE, signature: MESSAGE, keyType, algorithm }), isGrpcError(Code.INVALID_ARGUMENT, pattern));
      await assert.rejects(api().getPublicKey({ keyType }), isGrpcError(Code.INVALID_ARGUMENT, pattern));
    }
  });

  test("UNSPECIFIED and unknown algorithms are INVALID_ARGUMENT", async () => {
    for (const algorithm of [SignatureAlgorithm.UNSPECIFIED, 12, 1000]) {
      const pattern = algorithm === SignatureAlgorithm.UNSPECIFIED ? /SIGNATURE_ALGORITHM_UNSPECIFIED/ : new RegExp(`algorithm ${algorithm} is not a known`);
      await assert.rejects(api().sign({ data: MESSAGE, keyType: KeyType.RSA, algorithm }), isGrpcError(Code.INVALID_ARGUMENT, pattern));
      await assert.rejects(
        api().verify({ data: MESSAGE, signature: MESSAGE, keyType: KeyType.EC_P256, algorithm }),
        isGrpcError(Code.INVALID_ARGUMENT, pattern),
      );
    }
  });

  test("every algorithm with every key type it does not fit is INVALID_ARGUMENT naming both", async () => {
    let pairs = 0;
    for (const keyType of ALL_KEY_TYPES) {
      for (const spec of ALL_ALGORITHMS) {
        if (spec.keyType === keyType) continue;
        pairs++;
        const pattern = new RegExp(`${algorithmName(spec.algorithm)} does not fit key type ${keyTypeName(keyType)} \\(it needs ${keyTypeName(spec.keyType)}\\)`);
        await assert.rejects(api().sign({ data: MESSAGE, keyType, algorithm: spec.algorithm }), isGrpcError(Code.INVALID_ARGUMENT, pattern));
        await assert.rejects(
          api().verify({ data: MESSAGE, signature: MESSAGE, keyType, algorithm: spec.algorithm }),
          isGrpcError(Code.INVALID_ARGUMENT, pattern),
        );
      }
    }
    assert.equal(pairs, 4 * 11 - 11);
  });
}
