/** The wire headers of one attempt of a call under a retry or hedging policy. */
import { GrpcError } from "../../errors/grpc-error.js";
import type { CompressionName } from "../../protocol/compression.js";
import type { CallMetadata, Metadata } from "../../protocol/metadata.js";
import { compressionHeaders, requestHeaders } from "../client-wire.js";
import type { Attempt } from "./attempts.js";

/** Metadata, what is left of the deadline as grpc-timeout, compression, and grpc-previous-rpc-attempts on retries. */
export function attemptHeaders(metadata: CallMetadata | undefined, attempt: Attempt, compression: CompressionName | undefined): Metadata | GrpcError {
  const headers = requestHeaders(metadata, attempt.timeoutMs);
  if (headers instanceof GrpcError) return headers;
  const wire = compression === undefined ? headers : compressionHeaders(headers, compression);
  return attempt.index === 0 ? wire : { ...wire, "grpc-previous-rpc-attempts": String(attempt.index) };
}

/** The lower of the call's timeout and the method config's (either may be absent). */
export function minTimeout(callMs: number | undefined, configMs: number | undefined): number | undefined {
  return configMs === undefined ? callMs : Math.min(callMs ?? Infinity, configMs);
}
