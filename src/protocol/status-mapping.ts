/**
 * Mappings from the gRPC over HTTP/2 protocol document (doc/PROTOCOL-HTTP2.md and doc/http-grpc-status-mapping.md):
 * what a client concludes when no grpc-status arrives (the status trailers themselves: status-trailers.ts).
 */
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";

/** HTTP/2 RST_STREAM / GOAWAY error codes (RFC 9113 section 7). */
export const H2_NO_ERROR = 0x0;
export const H2_PROTOCOL_ERROR = 0x1;
export const H2_INTERNAL_ERROR = 0x2;
export const H2_FLOW_CONTROL_ERROR = 0x3;
export const H2_SETTINGS_TIMEOUT = 0x4;
export const H2_STREAM_CLOSED = 0x5;
export const H2_FRAME_SIZE_ERROR = 0x6;
export const H2_REFUSED_STREAM = 0x7;
export const H2_CANCEL = 0x8;
export const H2_COMPRESSION_ERROR = 0x9;
export const H2_CONNECT_ERROR = 0xa;
export const H2_ENHANCE_YOUR_CALM = 0xb;
export const H2_INADEQUATE_SECURITY = 0xc;
export const H2_HTTP_1_1_REQUIRED = 0xd;

/** The gRPC code for a stream reset without a status (protocol document, "Errors"). */
export function codeForResetStream(h2Code: number): Code {
  switch (h2Code) {
    case H2_REFUSED_STREAM: return Code.UNAVAILABLE;
    case H2_CANCEL: return Code.CANCELLED;
    case H2_ENHANCE_YOUR_CALM: return Code.RESOURCE_EXHAUSTED;
    case H2_INADEQUATE_SECURITY: return Code.PERMISSION_DENIED;
    default: return Code.INTERNAL; // NO_ERROR, PROTOCOL_ERROR, INTERNAL_ERROR, FLOW_CONTROL_ERROR, ... 
  }
}

/** The gRPC code for an HTTP status when the response carries no grpc-status (http-grpc-status-mapping.md). */
export function codeForHttpStatus(httpStatus: number): Code {
  switch (httpStatus) {
    case 400: return Code.INTERNAL;
    case 401: return Code.UNAUTHENTICATED;
    case 403: return Code.PERMISSION_DENIED;
    case 404: return Code.UNIMPLEMENTED;
    case 429: case 502: case 503: case 504: return Code.UNAVAILABLE;
    default: return Code.UNKNOWN;
  }
}

// grpc-message encoding lives with the status trailers; re-exported for existing importers.
export { decodeGrpcMessage, encodeGrpcMessage } from "./status-trailers.js";

/**
 * The status of a call that ended without grpc-status, in the protocol document's order of trust: a non-200 HTTP
 * status, then the RST_STREAM code, then the local failure that closed the stream, else "no status" (INTERNAL).
 */
export function statusWithoutGrpcStatus(httpStatus: number, resetCode: number | null, error: Error | undefined): GrpcError {
  if (httpStatus !== 0 && httpStatus !== 200) {
    return new GrpcError(codeForHttpStatus(httpStatus), `HTTP status ${httpStatus} without grpc-status`);
  }
  if (resetCode !== null) return new GrpcError(codeForResetStream(resetCode), `stream reset by peer with HTTP/2 code ${resetCode}`);
  return error !== undefined ? errors.connectionClosed(error) : errors.noStatus();
}
