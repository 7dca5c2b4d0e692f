/** Assertions on the GrpcError a call fails with, shared by the tests that check statuses. */
import assert from "node:assert/strict";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";

/** A validator for `assert.rejects`: the error is a GrpcError with `code` (and a raw message matching `message`). */
export function isGrpcError(code: Code, message?: RegExp): (error: unknown) => true {
  return (error: unknown) => {
    assert.ok(error instanceof GrpcError, `expected a GrpcError, got ${String(error)}`);
    assert.equal(error.codeName, Code[code], error.message);
    if (message !== undefined) assert.match(error.rawMessage, message);
    return true;
  };
}

/** Waits for `promise` to reject with a GrpcError of `code` (and a raw message matching `message`). */
export function rejectsWithCode(promise: Promise<unknown>, code: Code, message?: RegExp): Promise<void> {
  return assert.rejects(promise, isGrpcError(code, message));
}
