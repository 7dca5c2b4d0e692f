/**
 * Per-message compression (gRPC doc/compression.md): gzip and deflate through node:zlib, negotiated with the
 * grpc-encoding (what this side's compressed messages use) and grpc-accept-encoding (what this side can read)
 * headers. A message is compressed only when its flag byte says so, so one call can mix compressed and plain
 * messages. Nothing here runs for an uncompressed call: the calls look at it only when a flag or an option is set.
 *
 * Compression runs synchronously (zlib's *Sync): a message is at most the message limit (4 MiB by default), and
 * a synchronous step keeps the call's order and adds no async hop. Inflating is capped at the receiver's message
 * limit with zlib's maxOutputLength, so a small "zip bomb" is refused before it is inflated in full.
 */
import zlib from "node:zlib";
import { errors } from "../errors/catalog.js";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { FRAME_HEADER_BYTES } from "./framing.js";

/** The encodings fastgrpc speaks; "identity" means uncompressed. */
export type CompressionName = "gzip" | "deflate" | "identity";

/** Messages smaller than this (encoded bytes) are sent uncompressed even on a compressed call. */
export const DEFAULT_COMPRESSION_THRESHOLD_BYTES = 1024;

/** Our grpc-accept-encoding value. */
export const ACCEPT_ENCODING = "gzip,deflate,identity";

const NAMES: ReadonlySet<string> = new Set(["gzip", "deflate", "identity"]);

export function isCompressionName(value: string): value is CompressionName {
  return NAMES.has(value);
}

/** Parses a user-facing option value (CLI flag, config), with a clear error for anything else. */
export function parseCompressionName(value: string): CompressionName {
  if (isCompressionName(value)) return value;
  throw new TypeError(`unknown compression "${value}" (expected gzip, deflate or identity)`);
}

/** True when a grpc-accept-encoding header value lists `name` (identity is always accepted). */
export function acceptsEncoding(acceptEncoding: string | undefined, name: CompressionName): boolean {
  if (name === "identity") return true;
  if (acceptEncoding === undefined) return false;
  for (const entry of acceptEncoding.split(",")) {
    if (entry.trim().toLowerCase() === name) return true;
  }
  return false;
}

/** The compressed bytes of one message (no frame prefix). */
export function compress(name: Exclude<CompressionName, "identity">, message: Uint8Array): Buffer {
  return name === "gzip" ? zlib.gzipSync(message) : zlib.deflateSync(message);
}

/** One message in its gRPC frame with the compressed flag set. */
export function encodeCompressedFrame(name: Exclude<CompressionName, "identity">, message: Uint8Array): Uint8Array {
  const body = compress(name, message);
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + body.length);
  frame[0] = 1;
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * Inflates one compressed message sent with grpc-encoding `encoding`. Throws a GrpcError: UNIMPLEMENTED for an
 * encoding we do not speak (the caller adds our grpc-accept-encoding), INTERNAL for a compressed flag without an
 * encoding or corrupt data, RESOURCE_EXHAUSTED when the inflated message would pass `maxMessageBytes`.
 */
export function decompress(encoding: string | undefined, message: Uint8Array, maxMessageBytes: number): Uint8Array {
  if (encoding === undefined || encoding === "identity") {
    throw errors.compressedWithoutEncoding();
  }
  if (encoding !== "gzip" && encoding !== "deflate") throw unsupportedEncoding(encoding);
  // maxOutputLength stops zlib at the limit + 1 byte, so "exactly the limit" still passes and a bomb stops early.
  const options = { maxOutputLength: Math.max(1, maxMessageBytes + 1) };
  let out: Buffer;
  try {
    out = encoding === "gzip" ? zlib.gunzipSync(message, options) : zlib.inflateSync(message, options);
  } catch (cause) {
    if (cause instanceof RangeError || (cause as { code?: unknown }).code === "ERR_BUFFER_TOO_LARGE") {
      throw new GrpcError(Code.RESOURCE_EXHAUSTED, `${encoding} message inflates past the limit of ${maxMessageBytes} bytes`, { cause });
    }
    throw new GrpcError(Code.INTERNAL, `${encoding} message could not be decompressed`, { cause });
  }
  if (out.length > maxMessageBytes) {
    throw new GrpcError(Code.RESOURCE_EXHAUSTED, `${encoding} message inflates past the limit of ${maxMessageBytes} bytes`);
  }
  return out;
}

/** UNIMPLEMENTED for an encoding we cannot read, carrying our grpc-accept-encoding for the peer. */
export function unsupportedEncoding(encoding: string): GrpcError {
  const error = errors.unsupportedEncoding(encoding);
  return new GrpcError(error.code, error.rawMessage, { metadata: { "grpc-accept-encoding": ACCEPT_ENCODING } });
}

/**
 * How one side compresses what it sends on one call: the algorithm (announced once as grpc-encoding), the size
 * threshold, and whether the next message is compressed at all (per-message control, as the interop cases need).
 */
export class MessageCompressor {
  /** Per-message switch: false sends the next messages uncompressed (flag 0) on a compressed call. */
  enabled = true;

  constructor(
    readonly name: Exclude<CompressionName, "identity">,
    private readonly thresholdBytes: number,
  ) {}

  /** The frame of one encoded message: compressed when enabled and at or above the threshold. */
  frame(message: Uint8Array, plainFrame: (message: Uint8Array) => Uint8Array): Uint8Array {
    if (!this.enabled || message.length < this.thresholdBytes) return plainFrame(message);
    return encodeCompressedFrame(this.name, message);
  }
}
