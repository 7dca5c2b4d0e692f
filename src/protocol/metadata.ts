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

/* ---------------------------------------------------------------- the caller's form */

/** A metadata value as callers and handlers see it: text, or bytes for keys ending in "-bin". */
export type MetadataValue = string | Uint8Array;

/**
 * Metadata as the library API takes and gives it: values of "-bin" keys are bytes (a Buffer when received; a
 * string given for a "-bin" key is taken as base64 already), other values text. `Metadata` (strings only) is the
 * wire form the engines see: conversion happens at the gRPC layer, never inside an engine.
 */
export type CallMetadata = Record<string, MetadataValue | MetadataValue[]>;

export function isBinaryKey(name: string): boolean {
  return name.endsWith("-bin");
}

function toWireValue(name: string, value: MetadataValue): string {
  if (typeof value === "string") return value;
  if (!(value instanceof Uint8Array)) throw new TypeError(`metadata "${name}": values are strings or bytes`);
  if (!isBinaryKey(name)) throw new TypeError(`metadata "${name}": only keys ending in "-bin" take bytes`);
  // gRPC: senders should emit unpadded base64, receivers accept both.
  return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64").replace(/=+$/, "");
}

/** Validates caller metadata and encodes its bytes as base64 text (throws a TypeError for what gRPC forbids). */
export function toWireMetadata(metadata: CallMetadata): Metadata {
  const out: Metadata = {};
  for (const name in metadata) {
    if (!VALID_KEY.test(name)) throw new TypeError(`invalid metadata key "${name}"`);
    if (isReservedHeader(name)) throw new TypeError(`metadata key "${name}" is reserved`);
    const value = metadata[name];
    if (value === undefined) continue;
    out[name] = Array.isArray(value) ? value.map((one) => toWireValue(name, one)) : toWireValue(name, value);
  }
  return out;
}

/** Decodes "-bin" values (padded or not; several comma-separated values allowed) into Buffers. */
function fromWireBinary(value: string): Buffer[] {
  return value.split(",").map((part) => Buffer.from(part.trim(), "base64"));
}

/** Wire metadata (or a raw header map) as the caller sees it: user keys only, "-bin" values as Buffers. */
export function fromWireMetadata(headers: Record<string, string | string[] | number | undefined>): CallMetadata {
  const out: CallMetadata = {};
  for (const name in headers) {
    if (isReservedHeader(name)) continue;
    const value = headers[name];
    if (value === undefined) continue;
    if (!isBinaryKey(name)) {
      out[name] = typeof value === "number" ? String(value) : value;
      continue;
    }
    const parts = (Array.isArray(value) ? value : [String(value)]).flatMap(fromWireBinary);
    const [only] = parts;
    out[name] = parts.length === 1 && only !== undefined ? only : parts;
  }
  return out;
}

/** The first value of a key, as text ("-bin" bytes come back as base64) — handy for auth headers and the like. */
export function metadataText(metadata: CallMetadata, name: string): string | undefined {
  const value = metadata[name];
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined) return undefined;
  return typeof first === "string" ? first : Buffer.from(first).toString("base64");
}
