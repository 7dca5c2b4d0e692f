/** The first call of a run: proves the target answers this method before any load is generated. */
import { Code, codeName } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import type { GrpcClient } from "../client/client.js";

/** A failure of the run itself (not of individual calls): the CLI prints its message and exits 1. */
export class BenchRuntimeError extends Error {
  override readonly name = "BenchRuntimeError";
}

const PROBE_TIMEOUT_MS = 5_000;

export async function probe(
  client: GrpcClient,
  target: string,
  path: string,
  message: Uint8Array,
  timeoutMs: number | undefined,
): Promise<void> {
  // The probe includes connecting and checks reachability: a tight per-call --timeout must not fail it.
  const limitMs = Math.max(timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  try {
    await client.callRaw(path, message, { timeoutMs: limitMs });
  } catch (reason) {
    throw new BenchRuntimeError(describeProbeFailure(GrpcError.from(reason), target, path, limitMs));
  }
}

export function describeProbeFailure(error: GrpcError, target: string, path: string, limitMs: number): string {
  const detail = error.rawMessage === "" ? "" : `: ${error.rawMessage}`;
  switch (error.code) {
    case Code.UNAVAILABLE:
      return `cannot reach ${target}${detail}`;
    case Code.UNIMPLEMENTED:
      return `${target} does not serve ${path} (UNIMPLEMENTED)`;
    case Code.DEADLINE_EXCEEDED:
      return `${target} did not answer a first call to ${path} within ${limitMs} ms`;
    default:
      return `the first call to ${path} on ${target} failed with ${codeName(error.code)}${detail}`;
  }
}
