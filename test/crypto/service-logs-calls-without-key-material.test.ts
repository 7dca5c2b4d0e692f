// The Crypto service logs each call at debug with names and sizes only: no data, signature or key material.
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { pino } from "pino";
import { create } from "@bufbuild/protobuf";
import { KeyType, SignRequestSchema, SignatureAlgorithm, VerifyRequestSchema } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { createCryptoService } from "../../src/services/crypto.js";
import { testCallContext } from "./helpers/call-context.js";

function capturingLogger(level: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      lines.push(...chunk.toString("utf8").split("\n").filter((line) => line !== ""));
      callback();
    },
  });
  return { log: pino({ level }, stream), lines };
}

test("Sign and Verify log method, key type, algorithm and data size at debug, and nothing secret", async () => {
  const keyring = await generateKeyring();
  const service = createCryptoService(keyring);
  const { log, lines } = capturingLogger("debug");
  const context = { ...testCallContext(), log };
  const data = new TextEncoder().encode("SECRET-PAYLOAD-0123456789");
  const signed = await service.sign(create(SignRequestSchema, { data, keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 }), context);
  const signature = signed.signature ?? new Uint8Array(0);
  await service.verify(create(VerifyRequestSchema, { data, signature, keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 }), context);
  await log.flush?.();
  assert.equal(lines.length, 2, lines.join("\n"));
  const [signLine, verifyLine] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.deepEqual(
    { method: signLine?.method, keyType: signLine?.keyType, algorithm: signLine?.algorithm, dataBytes: signLine?.dataBytes },
    { method: "Sign", keyType: "KEY_TYPE_EC_P256", algorithm: "SIGNATURE_ALGORITHM_ECDSA_P256_SHA256_ASN1", dataBytes: data.byteLength },
  );
  assert.equal(verifyLine?.method, "Verify");
  const all = lines.join("\n");
  assert.ok(!all.includes("SECRET-PAYLOAD"), "data logged");
  assert.ok(!all.includes(Buffer.from(signature).toString("base64")), "signature logged");
  assert.ok(!all.includes(Buffer.from(data).toString("base64")), "data logged as base64");
});

test("at info level the service logs nothing per call", async () => {
  const service = createCryptoService(await generateKeyring());
  const { log, lines } = capturingLogger("info");
  await service.sign(create(SignRequestSchema, { data: new Uint8Array(3), keyType: KeyType.ED25519, algorithm: SignatureAlgorithm.ED25519 }), { ...testCallContext(), log });
  assert.deepEqual(lines, []);
});
