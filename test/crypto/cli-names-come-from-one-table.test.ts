// The command-line names of key types and algorithms: one table (crypto/algorithms.ts) behind both CLIs, and the
// names themselves unchanged.
import assert from "node:assert/strict";
import { test } from "node:test";
import { ALGORITHM_NAMES, KEY_TYPE_NAMES, algorithmFromName, algorithmToName, keyTypeFromName, keyTypeToName } from "../../src/client/crypto-client.js";
import { ALL_ALGORITHMS, KEY_TYPE_SPECS } from "../../src/crypto/algorithms.js";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { DEFAULT_ALGORITHM_FOR_KEY_TYPE, DEFAULT_SIGN_ALGORITHM, KEY_TYPES, SIGNATURE_ALGORITHMS, keyTypeName } from "../../src/loadgen/sign-algorithms.js";

const EXPECTED_ALGORITHMS = [
  "rsa-pkcs1-sha256", "rsa-pkcs1-sha384", "rsa-pkcs1-sha512", "rsa-pss-sha256", "rsa-pss-sha384", "rsa-pss-sha512",
  "ecdsa-p256-sha256-asn1", "ecdsa-p256-sha256-fixed", "ecdsa-p384-sha384-asn1", "ecdsa-p384-sha384-fixed", "ed25519",
];

test("the CLI names are the ones the CLIs always accepted, in enum order", () => {
  assert.deepEqual(KEY_TYPE_NAMES, ["rsa", "ec-p256", "ec-p384", "ed25519"]);
  assert.deepEqual(ALGORITHM_NAMES, EXPECTED_ALGORITHMS);
  assert.equal(DEFAULT_SIGN_ALGORITHM, "ecdsa-p256-sha256-asn1");
  assert.deepEqual([...DEFAULT_ALGORITHM_FOR_KEY_TYPE.values()], ["rsa-pkcs1-sha256", "ecdsa-p256-sha256-asn1", "ecdsa-p384-sha384-asn1", "ed25519"]);
});

test("fastgrpc-client and fastgrpc-bench read the same table", () => {
  assert.deepEqual([...KEY_TYPES.keys()], KEY_TYPE_NAMES);
  assert.deepEqual([...SIGNATURE_ALGORITHMS.keys()], ALGORITHM_NAMES);
  for (const spec of ALL_ALGORITHMS) {
    assert.deepEqual(SIGNATURE_ALGORITHMS.get(spec.name), { value: spec.algorithm, keyType: spec.keyType });
    assert.equal(algorithmFromName(spec.name), spec.algorithm);
    assert.equal(algorithmToName(spec.algorithm), spec.name);
  }
  for (const spec of KEY_TYPE_SPECS) {
    assert.equal(KEY_TYPES.get(spec.name), spec.keyType);
    assert.equal(keyTypeFromName(spec.name), spec.keyType);
    assert.equal(keyTypeToName(spec.keyType), spec.name);
    assert.equal(keyTypeName(spec.keyType), spec.name);
    const fallback = ALL_ALGORITHMS.find((algorithm) => algorithm.algorithm === spec.defaultAlgorithm);
    assert.equal(fallback?.keyType, spec.keyType, `${spec.name}'s default algorithm fits it`);
  }
});

test("unknown names and values are reported as such", () => {
  assert.equal(keyTypeFromName("dsa"), undefined);
  assert.equal(algorithmFromName("rsa-pkcs1-md5"), undefined);
  assert.equal(keyTypeToName(KeyType.UNSPECIFIED), "0");
  assert.equal(algorithmToName(SignatureAlgorithm.UNSPECIFIED), "0");
  assert.equal(keyTypeName(99 as KeyType), "key-type-99");
});
