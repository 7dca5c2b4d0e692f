// The crypto enums used without the generated module (src/crypto/enum-values.ts) are crypto.proto's: the same
// numbers (also checked by the compiler) and the same proto names, for every value the proto defines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { algorithmName, keyTypeName } from "../../src/crypto/algorithms.js";
import { KEY_TYPE_PROTO_NAMES, KeyType, SIGNATURE_ALGORITHM_PROTO_NAMES, SignatureAlgorithm } from "../../src/crypto/enum-values.js";
import { KeyTypeSchema, SignatureAlgorithmSchema } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";

const fromProto = (values: ReadonlyArray<{ number: number; name: string }>) => new Map(values.map((value) => [value.number, value.name]));

test("key types: every proto value, same numbers and names", () => {
  assert.deepEqual(new Map(KEY_TYPE_PROTO_NAMES), fromProto(KeyTypeSchema.values));
  assert.equal(Object.keys(KeyType).length, KeyTypeSchema.values.length);
  assert.equal(keyTypeName(KeyType.EC_P384), "KEY_TYPE_EC_P384");
  assert.equal(keyTypeName(99), "99");
});

test("signature algorithms: every proto value, same numbers and names", () => {
  assert.deepEqual(new Map(SIGNATURE_ALGORITHM_PROTO_NAMES), fromProto(SignatureAlgorithmSchema.values));
  assert.equal(Object.keys(SignatureAlgorithm).length, SignatureAlgorithmSchema.values.length);
  assert.equal(algorithmName(SignatureAlgorithm.RSA_PSS_SHA256), "SIGNATURE_ALGORITHM_RSA_PSS_SHA256");
});
