/**
 * What unary and streaming client calls share about the response's metadata: the listener callers pass to see
 * headers and trailers, and the GrpcError a non-OK status becomes (trailers as metadata, rich details decoded).
 */
import type { HeaderMap } from "../engine/types.js";
import type { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { STATUS_DETAILS_KEY, decodeStatusDetails } from "../errors/status-details.js";
import { type CallMetadata, fromWireMetadata } from "../protocol/metadata.js";

/** Callbacks for the response's metadata (connect-es's onHeader / onTrailer). Each runs at most once per call. */
export interface ResponseListener {
  /** The response headers, when they arrive (not called when the call fails before any came). */
  onHeader?(headers: CallMetadata): void;
  /** The trailers, when the call ends with a status from the server (OK or not). */
  onTrailer?(trailers: CallMetadata): void;
  /** Each response message's compressed flag (the gRPC interop compression cases check it); runs per message. */
  onResponseMessage?(compressed: boolean): void;
}

/** The caller's options as the call's listener when they hold a callback; null (the hot path) when none. */
export function listenerOf(options: ResponseListener | undefined): ResponseListener | null {
  return options !== undefined && (options.onHeader !== undefined || options.onTrailer !== undefined || options.onResponseMessage !== undefined) ? options : null;
}

/** The GrpcError for a non-OK grpc-status: the trailers become its metadata, grpc-status-details-bin its details. */
export function statusError(code: Code, message: string, trailers: HeaderMap | null): GrpcError {
  if (trailers === null) return new GrpcError(code, message);
  return new GrpcError(code, message, { metadata: fromWireMetadata(trailers), details: decodeStatusDetails(trailers[STATUS_DETAILS_KEY]) });
}

/** Tells the listener the response headers (a trailers-only response has none: it gets an empty set). */
export function notifyHeaders(listener: ResponseListener, headers: HeaderMap, trailersOnly: boolean): void {
  try {
    listener.onHeader?.(trailersOnly ? {} : fromWireMetadata(headers));
  } catch {
    // A throwing listener must not break the call; the call's outcome is what the caller awaits.
  }
}

/** Tells the listener the trailers, when the server sent any. */
export function notifyTrailers(listener: ResponseListener, trailers: HeaderMap | null): void {
  if (trailers === null) return;
  try {
    listener.onTrailer?.(fromWireMetadata(trailers));
  } catch {
    // as above
  }
}
