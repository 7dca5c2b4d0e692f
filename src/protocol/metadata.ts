/**
 * Custom call metadata (HTTP/2 headers or trailers that are not reserved by gRPC or HTTP/2).
 * Keys are lower-case. Values of keys ending in "-bin" are base64 text on the wire; fastgrpc passes them as-is.
 */
export type Metadata = Record<string, string | string[]>;

/** Headers that belong to HTTP/2 or to the gRPC protocol itself and never appear as user metadata. */
const RESERVED = new Set([
  "content-type", "te", "user-agent", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding",
  "grpc-status", "grpc-message", "grpc-status-details-bin", "content-length", "accept-encoding",
  "host", "connection", "keep-alive", "transfer-encoding", "upgrade", "proxy-connection",
]);

export function isReservedHeader(name: string): boolean {
  return name.charCodeAt(0) === 58 /* ':' */ || RESERVED.has(name);
}

/** Picks the user metadata out of a header map (as node:http2 or the fastgrpc engine hands it over). */
export function metadataFromHeaders(headers: Record<string, string | string[] | number | undefined>): Metadata {
  const out: Metadata = {};
  for (const name in headers) {
    if (isReservedHeader(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    out[name] = typeof value === "number" ? String(value) : value;
  }
  return out;
}

const VALID_KEY = /^[0-9a-z_.-]+$/;

/** Throws a TypeError for a key or value that gRPC forbids; callers map it to INTERNAL or INVALID_ARGUMENT. */
export function validateMetadata(metadata: Metadata): void {
  for (const name in metadata) {
    if (!VALID_KEY.test(name)) throw new TypeError(`invalid metadata key "${name}"`);
    if (isReservedHeader(name)) throw new TypeError(`metadata key "${name}" is reserved`);
  }
}
