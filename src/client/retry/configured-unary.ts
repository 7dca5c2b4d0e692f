/**
 * A unary call whose method has a service-config entry: the config's timeout and message limits apply, and its
 * retryPolicy or hedgingPolicy runs the attempts (attempts.ts). Each attempt is a fresh ClientUnaryCall put on the
 * wire by the client; the caller's onHeader / onTrailer see only the attempt that decided the call.
 */
import { errors } from "../../errors/catalog.js";
import { Code } from "../../errors/codes.js";
import { GrpcError } from "../../errors/grpc-error.js";
import { type CompressionName, MessageCompressor } from "../../protocol/compression.js";
import { encodeFrame } from "../../protocol/framing.js";
import type { CallMetadata, Metadata } from "../../protocol/metadata.js";
import { type ResponseListener, notifyHeaders, notifyTrailers } from "../response-metadata.js";
import type { MethodConfig } from "../service-config.js";
import { ClientUnaryCall } from "../unary-call.js";
import type { Attempt } from "./attempts.js";
import type { ClientRetry } from "./client-retry.js";

/** What the client lends a configured call. */
export interface UnaryWire {
  readonly retry: ClientRetry;
  readonly maxMessageBytes: number;
  readonly compression: CompressionName | undefined;
  readonly compressionThresholdBytes: number;
  /** The wire headers of one attempt (metadata, grpc-timeout, compression), or why they cannot be made. */
  headers(metadata: CallMetadata | undefined, timeoutMs: number | undefined, compression: CompressionName | undefined): Metadata | GrpcError;
  /** Puts an armed call on a session from the pool, with transparent retry. */
  start(call: ClientUnaryCall, path: string, headers: Metadata, frame: Uint8Array, signal: AbortSignal | undefined): void;
}

export function sendConfiguredUnary<T>(
  wire: UnaryWire, method: MethodConfig, path: string, message: Uint8Array, metadata: CallMetadata | undefined,
  callTimeoutMs: number | undefined, signal: AbortSignal | undefined, listener: ResponseListener | null,
  compressionName: CompressionName | undefined, waitForReady: boolean | undefined,
  build?: (reply: Uint8Array, call: ClientUnaryCall) => T,
): Promise<T | Uint8Array> {
  if (signal?.aborted) return Promise.reject(errors.cancelled("call aborted by the caller"));
  const timeoutMs = method.timeoutMs === undefined ? callTimeoutMs : Math.min(callTimeoutMs ?? Infinity, method.timeoutMs);
  const maxResponseBytes = Math.min(wire.maxMessageBytes, method.maxResponseMessageBytes ?? Infinity);
  const compression = compressionName ?? wire.compression;
  let frame: Uint8Array;
  try {
    frame = compression === undefined || compression === "identity"
      ? encodeFrame(message)
      : new MessageCompressor(compression, wire.compressionThresholdBytes).frame(message, encodeFrame);
  } catch (error) {
    return Promise.reject(GrpcError.from(error, Code.INTERNAL));
  }
  let decided: ClientUnaryCall | null = null; // the attempt whose outcome is the call's (for the listener)
  const outcome = wire.retry.run(method, frame.length, timeoutMs, signal, (attempt: Attempt) => {
    let headers = wire.headers(metadata, attempt.timeoutMs, compression);
    if (headers instanceof GrpcError) return Promise.reject(headers);
    if (attempt.index > 0) headers = { ...headers, "grpc-previous-rpc-attempts": String(attempt.index) };
    const attemptHeaders = headers;
    return new Promise<T | Uint8Array>((resolve, reject) => {
      const call: ClientUnaryCall = new ClientUnaryCall((reply) => {
        decided = call;
        if (build === undefined) return resolve(reply);
        try {
          resolve(build(reply, call));
        } catch (error) {
          reject(GrpcError.from(error));
        }
      }, (error) => {
        decided = call;
        // Response headers (not a trailers-only answer) commit the call: A6 retries no further.
        attempt.committed = call.headers !== null && call.headers !== call.trailers;
        reject(error);
      }, maxResponseBytes);
      call.previousAttempts = attempt.index;
      call.arm(attempt.timeoutMs, attempt.signal);
      call.waitForReady = waitForReady ?? method.waitForReady; // the call's option, else the method config's
      wire.start(call, path, attemptHeaders, frame, attempt.signal);
    });
  });
  if (listener === null) return outcome;
  const tell = () => {
    const call: ClientUnaryCall | null = decided;
    if (call === null) return;
    if (call.headers !== null) notifyHeaders(listener, call.headers, call.headers === call.trailers);
    notifyTrailers(listener, call.trailers);
  };
  return outcome.then((value) => {
    tell();
    return value;
  }, (error: unknown) => {
    tell();
    throw error;
  });
}
