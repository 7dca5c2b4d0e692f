/** The compiled flat codec must agree with protobuf-es byte for byte, and never crash on hostile input. */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EchoRequestSchema } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import {
  GetPublicKeyResponseSchema, SignRequestSchema, SignResponseSchema, VerifyRequestSchema, VerifyResponseSchema,
} from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { ProtobufDecodeError, compileFlatCodec } from "../../src/protocol/flat-codec.js";

function codecFor<T extends Parameters<typeof compileFlatCodec>[0]>(schema: T) {
  const codec = compileFlatCodec(schema);
  assert.ok(codec, `${schema.typeName} is flat`);
  return codec;
}

test("echo and crypto messages encode exactly as protobuf-es does, and decode back", () => {
  const echo = codecFor(EchoRequestSchema);
  for (const size of [0, 1, 64, 127, 128, 16_383, 16_384, 100_000]) {
    const message = create(EchoRequestSchema, { payload: randomBytes(size) });
    const ours = echo.encode(message);
    assert.deepEqual(Buffer.from(ours), Buffer.from(toBinary(EchoRequestSchema, message)), `payload ${size}`);
    assert.deepEqual(Buffer.from(echo.decode(ours).payload), Buffer.from(message.payload));
    const framed = echo.encodeFramed(message);
    assert.equal(framed[0], 0);
    assert.equal(Buffer.from(framed).readUInt32BE(1), ours.length);
    assert.deepEqual(Buffer.from(framed.subarray(5)), Buffer.from(ours));
  }
  const samples = [
    [SignRequestSchema, create(SignRequestSchema, { data: Buffer.from("d"), keyType: 2, algorithm: 9 })],
    [SignResponseSchema, create(SignResponseSchema, { signature: randomBytes(64), keyId: "ab\u00e9cd", algorithm: 11 })],
    [VerifyRequestSchema, create(VerifyRequestSchema, { data: Buffer.alloc(0), signature: randomBytes(3), keyType: 1, algorithm: 1 })],
    [VerifyResponseSchema, create(VerifyResponseSchema, { valid: true })],
    [VerifyResponseSchema, create(VerifyResponseSchema, { valid: false })],
    [GetPublicKeyResponseSchema, create(GetPublicKeyResponseSchema, { keyType: 4, spkiDer: randomBytes(44), pem: "-----BEGIN-----\n", keyId: "00ff" })],
  ] as const;
  for (const [schema, message] of samples) {
    const codec = codecFor(schema);
    const bytes = codec.encode(message as never);
    assert.deepEqual(Buffer.from(bytes), Buffer.from(toBinary(schema, message as never)), schema.typeName);
    assert.deepEqual(codec.decode(bytes), fromBinary(schema, bytes), schema.typeName);
  }
});

test("negative enum values and unknown fields are handled as protobuf-es does", () => {
  const codec = codecFor(SignRequestSchema);
  const negative = create(SignRequestSchema, { keyType: -1 as number, algorithm: 2 });
  const bytes = codec.encode(negative);
  assert.deepEqual(Buffer.from(bytes), Buffer.from(toBinary(SignRequestSchema, negative)));
  assert.equal(codec.decode(bytes).keyType, -1);
  // Field 99 (varint), field 98 (fixed32), field 97 (length-delimited) are unknown: skipped.
  const withUnknown = Buffer.concat([Buffer.from([0x98, 0x06, 0x05, 0x95, 0x06, 1, 2, 3, 4, 0x8a, 0x06, 0x02, 9, 9]), Buffer.from(bytes)]);
  assert.equal(codec.decode(withUnknown).algorithm, 2);
});

test("hostile input only ever throws ProtobufDecodeError", () => {
  const codecs = [codecFor(EchoRequestSchema), codecFor(SignRequestSchema), codecFor(GetPublicKeyResponseSchema)];
  for (let i = 0; i < 20_000; i++) {
    const input = randomBytes(i % 40);
    for (const codec of codecs) {
      try {
        codec.decode(input);
      } catch (error) {
        assert.ok(error instanceof ProtobufDecodeError, String(error));
      }
    }
  }
  assert.throws(() => codecFor(EchoRequestSchema).decode(Buffer.from([0x0a, 0x05, 1])), ProtobufDecodeError);
  assert.throws(() => codecFor(EchoRequestSchema).decode(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), ProtobufDecodeError);
});
