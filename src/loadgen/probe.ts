/** The first call of a run: proves the target answers this method before any load is generated. */
import { Code, codeName } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import type { GrpcClient } from "../client/client.js";
import type { Metadata } from "../protocol/metadata.js";
import type { Caller } from "./caller.js";

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
  metadata: Metadata = {},
): Promise<void> {
  // The probe includes connecting and checks reachability: a tight per-call --timeout must not fail it.
  const limitMs = Math.max(timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  try {
    await client.callRaw(path, message, { timeoutMs: limitMs, metadata });
  } catch (reason) {
    throw new BenchRuntimeError(describeProbeFailure(GrpcError.from(reason), target, path, limitMs));
  }
}

/** The probe of a streaming method: one call through the run's own caller, given PROBE_TIMEOUT_MS or --timeout. */
export async function probeWithCaller(caller: Caller, target: string, path: string, timeoutMs: number | undefined): Promise<void> {
  const limitMs = Math.max(timeoutMs ?? PROBE_TIMEOUT_MS, PROBE_TIMEOUT_MS);
  let timer: NodeJS.Timeout | undefined;
  const outcome = await new Promise<GrpcError | null>((resolve) => {
    timer = setTimeout(() => resolve(new GrpcError(Code.DEADLINE_EXCEEDED, "")), limitMs);
    const fail = (reason: unknown) => resolve(GrpcError.from(reason));
    try {
      caller({ done: (code) => resolve(code === 0 ? null : new GrpcError(code, "")), ok: () => resolve(null), fail });
    } catch (error) {
      fail(error);
    }
  });
  clearTimeout(timer);
  if (outcome !== null) throw new BenchRuntimeError(describeProbeFailure(outcome, target, path, limitMs));
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
