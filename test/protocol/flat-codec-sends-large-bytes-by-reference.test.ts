/**
 * encodeFramedParts: the same bytes as encodeFramed, but each bytes field of 4 KiB or more is a part of its own,
 * the caller's buffer itself (not a copy), so the engines can hand it to the socket as it is.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { EchoRequestSchema } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { SignResponseSchema, VerifyRequestSchema } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { BY_REFERENCE_MIN_BYTES, compileFlatCodec } from "../../src/protocol/flat-codec.js";
import { frameBytes, type WireFrame } from "../../src/protocol/wire-frame.js";

function joined(frame: WireFrame): Buffer {
  return frame instanceof Uint8Array ? Buffer.from(frame) : Buffer.concat(frame.map((part) => Buffer.from(part)));
}

test("small messages stay one buffer, equal to encodeFramed", () => {
  const echo = compileFlatCodec(EchoRequestSchema);
  assert.ok(echo);
  for (const size of [0, 1, 64, BY_REFERENCE_MIN_BYTES - 1]) {
    const message = create(EchoRequestSchema, { payload: randomBytes(size) });
    const frame: WireFrame = echo.encodeFramedParts(message);
    assert.ok(frame instanceof Uint8Array, `payload ${size} is one buffer`);
    assert.deepEqual(Buffer.from(frame), Buffer.from(echo.encodeFramed(message)));
  }
});

test("a large bytes field is a part of its own, by reference, and the parts join to encodeFramed's bytes", () => {
  const echo = compileFlatCodec(EchoRequestSchema);
  assert.ok(echo);
  for (const size of [BY_REFERENCE_MIN_BYTES, 16_384, 1 << 20]) {
    // A view into a larger buffer, as a payload decoded in place from a socket chunk is.
    const backing = randomBytes(size + 100);
    const payload = backing.subarray(37, 37 + size);
    const message = create(EchoRequestSchema, { payload });
    const frame: WireFrame = echo.encodeFramedParts(message);
    assert.ok(!(frame instanceof Uint8Array), `payload ${size} is sent in parts`);
    assert.ok(frame.includes(payload), "the payload itself is one of the parts");
    assert.deepEqual(joined(frame), Buffer.from(echo.encodeFramed(message)));
    assert.equal(frameBytes(frame), 5 + echo.encode(message).length);
  }
});

test("messages with several fields around and between large ones encode the same bytes", () => {
  const verify = compileFlatCodec(VerifyRequestSchema);
  const sign = compileFlatCodec(SignResponseSchema);
  assert.ok(verify && sign);
  const cases = [
    create(VerifyRequestSchema, { data: randomBytes(10_000), signature: randomBytes(5_000), keyType: 3, algorithm: 7 }),
    create(VerifyRequestSchema, { data: randomBytes(10_000), signature: randomBytes(64), keyType: 1 }),
    create(VerifyRequestSchema, { data: randomBytes(12), signature: randomBytes(70_000), algorithm: 2 }),
  ];
  for (const message of cases) {
    const frame: WireFrame = verify.encodeFramedParts(message);
    assert.deepEqual(joined(frame), Buffer.from(verify.encodeFramed(message)));
    assert.deepEqual(verify.decode(joined(frame).subarray(5)), verify.decode(verify.encode(message)));
  }
  const signed = create(SignResponseSchema, { signature: randomBytes(8_192), keyId: "k\u00e9y-1", algorithm: 11 });
  assert.deepEqual(joined(sign.encodeFramedParts(signed)), Buffer.from(sign.encodeFramed(signed)));
});
