/**
 * gRPC length-prefixed message framing: 1 byte compressed flag, 4 bytes big-endian length, then the message.
 * HTTP/2 DATA frames do not align with messages: one message may span several chunks and one chunk may hold
 * several messages, so the reader keeps state across chunks.
 */
import { BY_REFERENCE_MIN_BYTES, type WireFrame } from "./wire-frame.js";

export const FRAME_HEADER_BYTES = 5;

/** Wraps one encoded message in its 5-byte prefix. */
export function encodeFrame(message: Uint8Array): Uint8Array {
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + message.length);
  frame[0] = 0;
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, FRAME_HEADER_BYTES);
  return frame;
}

/**
 * The frame of an encoded message for an engine: a copy with its prefix when small, else the 5-byte prefix and
 * the message itself as two parts (no message-sized allocation or copy; the message must not change afterwards).
 */
export function framedByReference(message: Uint8Array): WireFrame {
  if (message.length < BY_REFERENCE_MIN_BYTES) return encodeFrame(message);
  const prefix = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  prefix[0] = 0;
  prefix.writeUInt32BE(message.length, 1);
  return [prefix, message];
}

/** Why the reader stopped accepting input. */
export type FrameError = { readonly kind: "too-large"; readonly size: number; readonly limit: number };

export interface FrameSink {
  /**
   * One whole message as it is on the wire; `compressed` is its flag byte (the sink inflates it with the call's
   * grpc-encoding, src/protocol/compression.ts). The size limit checked here is the wire size; the inflated size
   * is checked when inflating.
   */
  onMessage(message: Uint8Array, compressed: boolean): void;
  onFrameError(error: FrameError): void;
}

/**
 * Incremental frame parser. The size limit is checked from the prefix, before any of the message is buffered,
 * so an oversized message costs at most one chunk of memory.
 */
export class MessageReader {
  /** Only needed when a prefix straddles two chunks, so allocated then. */
  private header: Buffer | null = null;
  private headerFill = 0;
  private body: Buffer | null = null;
  private bodyFill = 0;
  private bodyCompressed = false;
  private failed = false;

  constructor(
    private readonly sink: FrameSink,
    private readonly maxMessageBytes: number,
  ) {}

  /** True when a message is partly received: the stream must not end here. */
  get midMessage(): boolean {
    return this.headerFill > 0 || this.body !== null;
  }

  push(chunk: Uint8Array): void {
    if (this.failed) return;
    let offset = 0;
    const length = chunk.length;
    while (offset < length) {
      if (this.body === null) {
        // Fast path: a whole message inside this chunk needs no copy.
        if (this.headerFill === 0 && length - offset >= FRAME_HEADER_BYTES) {
          const flag = chunk[offset] ?? 0;
          const size = (((chunk[offset + 1] ?? 0) << 24) >>> 0) + ((chunk[offset + 2] ?? 0) << 16) + ((chunk[offset + 3] ?? 0) << 8) + (chunk[offset + 4] ?? 0);
          if (!this.checkHeader(size)) return;
          offset += FRAME_HEADER_BYTES;
          if (length - offset >= size) {
            this.sink.onMessage(chunk.subarray(offset, offset + size), flag !== 0);
            offset += size;
            continue;
          }
          this.startBody(size, flag !== 0);
          continue;
        }
        const header = (this.header ??= Buffer.alloc(FRAME_HEADER_BYTES));
        while (this.headerFill < FRAME_HEADER_BYTES && offset < length) {
          header[this.headerFill++] = chunk[offset++] ?? 0;
        }
        if (this.headerFill < FRAME_HEADER_BYTES) return;
        this.headerFill = 0;
        const size = header.readUInt32BE(1);
        if (!this.checkHeader(size)) return;
        this.startBody(size, header[0] !== 0);
        continue;
      }
      const body = this.body;
      const take = Math.min(body.length - this.bodyFill, length - offset);
      body.set(chunk.subarray(offset, offset + take), this.bodyFill);
      this.bodyFill += take;
      offset += take;
      if (this.bodyFill === body.length) {
        this.body = null;
        this.bodyFill = 0;
        this.sink.onMessage(body, this.bodyCompressed);
      }
    }
  }

  private startBody(size: number, compressed: boolean): void {
    if (size === 0) {
      this.sink.onMessage(new Uint8Array(0), compressed);
      return;
    }
    this.body = Buffer.allocUnsafe(size);
    this.bodyFill = 0;
    this.bodyCompressed = compressed;
  }

  private checkHeader(size: number): boolean {
    if (size > this.maxMessageBytes) {
      this.failed = true;
      this.sink.onFrameError({ kind: "too-large", size, limit: this.maxMessageBytes });
      return false;
    }
    return true;
  }
}
