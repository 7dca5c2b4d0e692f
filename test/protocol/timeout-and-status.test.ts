import assert from "node:assert/strict";
import { test } from "node:test";
import { Code, parseCode } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { codeForHttpStatus, codeForResetStream, decodeGrpcMessage, encodeGrpcMessage } from "../../src/protocol/status-mapping.js";
import { formatGrpcTimeout, parseGrpcTimeout } from "../../src/protocol/timeout.js";

test("grpc-timeout parses every unit and rejects malformed values", () => {
  assert.equal(parseGrpcTimeout("1H"), 3_600_000);
  assert.equal(parseGrpcTimeout("2M"), 120_000);
  assert.equal(parseGrpcTimeout("3S"), 3000);
  assert.equal(parseGrpcTimeout("40m"), 40);
  assert.equal(parseGrpcTimeout("5000u"), 5);
  assert.equal(parseGrpcTimeout("7000000n"), 7);
  assert.equal(parseGrpcTimeout("99999999S"), 99_999_999_000);
  for (const bad of ["", "S", "1", "123456789S", "1s", "1.0S", "-1S", " 1S", "1 S", "0x1S"]) {
    assert.equal(parseGrpcTimeout(bad), undefined, bad);
  }
});

test("formatGrpcTimeout always fits in 8 digits and never shortens the deadline", () => {
  for (const ms of [0, 1, 1.2, 99_999_999, 100_000_000, 1e12, 1e15]) {
    const text = formatGrpcTimeout(ms);
    assert.match(text, /^\d{1,8}[HMSm]$/);
    assert.ok((parseGrpcTimeout(text) ?? -1) >= Math.min(ms, 99_999_999 * 3_600_000), `${ms} -> ${text}`);
  }
});

test("HTTP status and RST_STREAM codes map as the gRPC protocol document says", () => {
  assert.equal(codeForHttpStatus(400), Code.INTERNAL);
  assert.equal(codeForHttpStatus(401), Code.UNAUTHENTICATED);
  assert.equal(codeForHttpStatus(403), Code.PERMISSION_DENIED);
  assert.equal(codeForHttpStatus(404), Code.UNIMPLEMENTED);
  assert.equal(codeForHttpStatus(429), Code.UNAVAILABLE);
  assert.equal(codeForHttpStatus(503), Code.UNAVAILABLE);
  assert.equal(codeForHttpStatus(500), Code.UNKNOWN);
  assert.equal(codeForResetStream(0x7), Code.UNAVAILABLE);
  assert.equal(codeForResetStream(0x8), Code.CANCELLED);
  assert.equal(codeForResetStream(0xb), Code.RESOURCE_EXHAUSTED);
  assert.equal(codeForResetStream(0xc), Code.PERMISSION_DENIED);
  assert.equal(codeForResetStream(0x2), Code.INTERNAL);
});

test("grpc-message percent-encoding round-trips unicode, % and control characters", () => {
  for (const text of ["plain", "100%", "caf\u00e9", "a\nb\tc", "\u2603 snow", ""]) {
    const wire = encodeGrpcMessage(text);
    assert.match(wire, /^[\x20-\x7e]*$/);
    assert.equal(decodeGrpcMessage(wire), text);
  }
  assert.equal(decodeGrpcMessage("bad %zz escape %"), "bad %zz escape %");
});

test("grpc-status values outside the known codes become UNKNOWN", () => {
  assert.equal(parseCode("0"), Code.OK);
  assert.equal(parseCode("16"), Code.UNAUTHENTICATED);
  assert.equal(parseCode("17"), Code.UNKNOWN);
  assert.equal(parseCode("abc"), Code.UNKNOWN);
  assert.equal(parseCode(undefined), undefined);
});

test("GrpcError.from keeps status errors and wraps everything else", () => {
  const original = new GrpcError(Code.NOT_FOUND, "missing");
  assert.equal(GrpcError.from(original), original);
  const wrapped = GrpcError.from(new Error("boom"));
  assert.equal(wrapped.code, Code.UNKNOWN);
  assert.equal(wrapped.rawMessage, "boom");
  assert.equal(GrpcError.from("text", Code.INTERNAL).code, Code.INTERNAL);
  assert.equal(original.message, "[NOT_FOUND] missing");
});
