/**
 * The per-connection output buffer: frames are written into a large slab and handed to the socket as one
 * subarray per flush. Flushed regions are never written again, so the socket may keep them without a copy; a new
 * slab is allocated when the current one is nearly used up (one allocation per ~64 KiB of output). A large payload
 * is not copied into the slab: it is kept as its own piece (`attach`) and the flush hands the socket the slab bytes
 * and the payloads in order, in one corked write (a writev).
 */
import { FRAME_HEADER_BYTES } from "./constants.js";

const SLAB_BYTES = 64 * 1024;
const MIN_TAIL_BYTES = 2048;

/** A new connection's first output (preface, SETTINGS) is small: start in the shared pool, not a 64 KiB slab. */
const FIRST_SLAB_BYTES = 4000;
/** No slab yet, or given back (release): the next write takes a first slab. */
const NO_SLAB = Buffer.alloc(0);

export class OutputBuffer {
  buf: Buffer = NO_SLAB;
  /** Start of the bytes not yet flushed. */
  start = 0;
  /** Write position. */
  pos = 0;
  /** Output before `start` that is not in the slab any more: slab views and attached payloads, in order. */
  private pieces: Uint8Array[] | null = null;
  private pieceBytes = 0;

  get pending(): number {
    return this.pos - this.start + this.pieceBytes;
  }

  /** Appends `payload` to the output without copying it; the caller must not change it afterwards. */
  attach(payload: Uint8Array): void {
    const pieces = (this.pieces ??= []);
    if (this.pos > this.start) {
      pieces.push(this.buf.subarray(this.start, this.pos));
      this.pieceBytes += this.pos - this.start;
      this.start = this.pos;
    }
    pieces.push(payload);
    this.pieceBytes += payload.length;
  }

  /**
   * Takes the unflushed output as separate pieces when payloads were attached (null otherwise: use take()). The
   * slab bytes after the last payload are the last piece.
   */
  takePieces(): Uint8Array[] | null {
    const pieces = this.pieces;
    if (pieces === null) return null;
    const tail = this.take();
    if (tail !== null) pieces.push(tail);
    this.pieces = null;
    this.pieceBytes = 0;
    return pieces;
  }

  /** Makes room for n more bytes, moving the unflushed bytes to a new slab if needed. */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const pending = this.pos - this.start;
    if (this.buf === NO_SLAB && n <= FIRST_SLAB_BYTES) {
      this.buf = Buffer.allocUnsafe(FIRST_SLAB_BYTES);
      this.start = this.pos = 0;
      return;
    }
    // Twice what is needed once the unflushed bytes are large (many writes between two flushes): growing by exactly
    // the next write would copy everything again on every write, quadratic in the bytes buffered.
    const need = pending + n;
    const next = Buffer.allocUnsafeSlow(need <= SLAB_BYTES >>> 1 ? SLAB_BYTES : Math.max(SLAB_BYTES, need * 2));
    this.buf.copy(next, 0, this.start, this.pos);
    this.buf = next;
    this.start = 0;
    this.pos = pending;
  }

  /** Writes a 9-byte frame header; the caller has ensured room for it and its payload. */
  frameHeader(length: number, type: number, flags: number, streamId: number): void {
    const b = this.buf;
    const p = this.pos;
    b[p] = length >>> 16;
    b[p + 1] = (length >>> 8) & 0xff;
    b[p + 2] = length & 0xff;
    b[p + 3] = type;
    b[p + 4] = flags;
    b[p + 5] = (streamId >>> 24) & 0x7f;
    b[p + 6] = (streamId >>> 16) & 0xff;
    b[p + 7] = (streamId >>> 8) & 0xff;
    b[p + 8] = streamId & 0xff;
    this.pos = p + FRAME_HEADER_BYTES;
  }

  uint32(value: number): void {
    this.buf.writeUInt32BE(value >>> 0, this.pos);
    this.pos += 4;
  }

  bytes(src: Uint8Array, from: number, to: number): void {
    const n = to - from;
    const b = this.buf;
    let p = this.pos;
    if (n <= 32) {
      for (let i = from; i < to; i++) b[p++] = src[i] as number;
    } else {
      b.set(from === 0 && to === src.length ? src : src.subarray(from, to), p);
      p += n;
    }
    this.pos = p;
  }

  /**
   * Gives the slab back when everything written was taken: an idle connection then holds no output memory (4 KB
   * each, in slices of node's shared pool). Called once, after the handshake's output; the next write takes a first
   * slab again.
   */
  release(): void {
    if (this.pos !== this.start || this.pieces !== null) return;
    this.buf = NO_SLAB;
    this.start = this.pos = 0;
  }

  /** Takes the unflushed slab bytes (null if none); starts a new slab when the current one is nearly full. */
  take(): Buffer | null {
    if (this.pos === this.start) return null;
    const chunk = this.buf.subarray(this.start, this.pos);
    if (this.buf.length - this.pos < MIN_TAIL_BYTES) {
      this.buf = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.pos = 0;
    }
    this.start = this.pos;
    return chunk;
  }
}
