/**
 * The seam between the load generator and whatever makes calls. The generator hands the caller a Completion that
 * it reuses for many calls (so the hot loop allocates nothing of its own); the caller starts one call and reports
 * its outcome exactly once, through `done(code)`, or `ok`/`fail` which fit straight into `promise.then(ok, fail)`.
 * (Because the Completion is reused, a second report of the same call would be taken for the next call's.)
 */
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";

export interface Completion {
  /** The call ended with this gRPC status code (0 = OK). */
  readonly done: (code: number) => void;
  /** The call succeeded: done(0). */
  readonly ok: () => void;
  /** The call failed: done with the reason's gRPC code (UNKNOWN when it carries none). */
  readonly fail: (reason: unknown) => void;
}

/** Starts one call. Throwing counts as a failed call. */
export type Caller = (completion: Completion) => void;

/** The gRPC status code a rejection carries: GrpcError's, another library's numeric `code`, else UNKNOWN. */
export function codeOfFailure(reason: unknown): number {
  if (reason instanceof GrpcError) return reason.code;
  if (typeof reason === "object" && reason !== null && "code" in reason) {
    const code = reason.code;
    if (typeof code === "number" && Number.isInteger(code) && code > 0 && code <= 16) return code;
  }
  return Code.UNKNOWN;
}
