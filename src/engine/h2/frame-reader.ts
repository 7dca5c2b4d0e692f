/**
 * Socket chunks to checked frames: the client preface (server role), the 9-byte header, the frame size limit we
 * advertised, and frames split across chunks (carried over with one copy into a buffer of the frame's size).
 * Complete frames are handed over in place (a view of the chunk), never copied.
 */
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, FRAME_HEADER_BYTES, PREFACE } from "./constants.js";

export interface FrameSink {
  /** One frame, payload at buf[off, off + len); valid during the call only. False stops reading (connection over). */
  onFrame(buf: Buffer, off: number, len: number, type: number, flags: number, sid: number): boolean;
  /** The input is not HTTP/2 we accept: a connection error. */
  onReadError(code: number, message: string): void;
  /**
   * An unpadded DATA frame longer than what this chunk holds: its header now, then its payload in pieces as chunks
   * arrive (`last` on the final one), so a large frame is never copied to be reassembled. False stops reading.
   */
  onDataStart(flags: number, sid: number, len: number): boolean;
  onDataPiece(buf: Buffer, off: number, n: number, last: boolean): boolean;
}

const DATA = 0x0;
const PADDED = 0x8;

function frameLength(buf: Uint8Array, pos: number): number {
  return (buf[pos] as number) << 16 | (buf[pos + 1] as number) << 8 | (buf[pos + 2] as number);
}

export class FrameReader {
  private prefaceLeft: number;
  private partial: Buffer | null = null;
  private partialLen = 0;
  private partialNeed = 0;
  /** Payload bytes of a DATA frame still to come (handed over in pieces). */
  private dataLeft = 0;

  /**
   * @param maxFrameSize our SETTINGS_MAX_FRAME_SIZE: larger frames are a FRAME_SIZE_ERROR.
   */
  constructor(private readonly sink: FrameSink, expectPreface: boolean, private readonly maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.prefaceLeft = expectPreface ? PREFACE.length : 0;
  }

  read(buf: Buffer): void {
    let pos = 0;
    const len = buf.length;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, len);
      const at = PREFACE.length - this.prefaceLeft;
      for (let i = 0; i < n; i++) {
        if (buf[i] !== PREFACE[at + i]) return this.sink.onReadError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
      }
      this.prefaceLeft -= n;
      pos = n;
      if (this.prefaceLeft > 0) return;
    }
    for (;;) {
      if (this.dataLeft > 0) {
        pos = this.continueData(buf, pos);
        if (pos < 0 || this.dataLeft > 0) return;
      }
      if (this.partial === null) break;
      pos = this.fillPartial(buf, pos);
      if (pos < 0) return;
    }
    const sink = this.sink;
    while (len - pos >= FRAME_HEADER_BYTES) {
      const flen = frameLength(buf, pos);
      if (flen > this.maxFrameSize) return this.tooLarge(flen);
      if (len - pos - FRAME_HEADER_BYTES < flen) {
        const type = buf[pos + 3] as number;
        const flags = buf[pos + 4] as number;
        if (type !== DATA || (flags & PADDED) !== 0) break;
        if (!sink.onDataStart(flags, buf.readUInt32BE(pos + 5) & 0x7fffffff, flen)) return;
        this.dataLeft = flen;
        this.continueData(buf, pos + FRAME_HEADER_BYTES);
        return;
      }
      if (!sink.onFrame(buf, pos + FRAME_HEADER_BYTES, flen, buf[pos + 3] as number, buf[pos + 4] as number,
        buf.readUInt32BE(pos + 5) & 0x7fffffff)) return;
      pos += FRAME_HEADER_BYTES + flen;
    }
    if (pos < len) this.startPartial(buf, pos);
  }

  private tooLarge(flen: number): void {
    this.sink.onReadError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${flen} bytes exceeds SETTINGS_MAX_FRAME_SIZE`);
  }

  /** Hands over what this chunk holds of the DATA payload in progress; -1 when reading stops. */
  private continueData(buf: Buffer, pos: number): number {
    const take = Math.min(this.dataLeft, buf.length - pos);
    if (take === 0) return pos;
    this.dataLeft -= take;
    return this.sink.onDataPiece(buf, pos, take, this.dataLeft === 0) ? pos + take : -1;
  }

  /** Keeps the tail of a chunk that holds an incomplete frame: one copy, into a buffer of the frame's size. */
  private startPartial(buf: Buffer, pos: number): void {
    const rem = buf.length - pos;
    let need = FRAME_HEADER_BYTES;
    if (rem >= FRAME_HEADER_BYTES) need += frameLength(buf, pos);
    const partial = Buffer.allocUnsafe(need);
    buf.copy(partial, 0, pos);
    this.partial = partial;
    this.partialLen = rem;
    this.partialNeed = need;
  }

  /** Completes the carried frame from the new chunk; returns where reading resumes, or -1 if more is needed. */
  private fillPartial(buf: Buffer, pos: number): number {
    for (;;) {
      const partial = this.partial;
      if (partial === null) return pos;
      const take = Math.min(this.partialNeed - this.partialLen, buf.length - pos);
      buf.copy(partial, this.partialLen, pos, pos + take);
      this.partialLen += take;
      pos += take;
      if (this.partialLen < this.partialNeed) return -1;
      if (this.partialNeed === FRAME_HEADER_BYTES) {
        const flen = frameLength(partial, 0);
        if (flen > this.maxFrameSize) {
          this.tooLarge(flen);
          return -1;
        }
        if (flen > 0 && partial[3] === DATA && ((partial[4] as number) & PADDED) === 0) {
          // A DATA payload is handed over in pieces rather than collected here.
          this.partial = null;
          if (!this.sink.onDataStart(partial[4] as number, partial.readUInt32BE(5) & 0x7fffffff, flen)) return -1;
          this.dataLeft = flen;
          return pos;
        }
        if (flen > 0) {
          const grown = Buffer.allocUnsafe(FRAME_HEADER_BYTES + flen);
          partial.copy(grown, 0, 0, FRAME_HEADER_BYTES);
          this.partial = grown;
          this.partialNeed = FRAME_HEADER_BYTES + flen;
          continue;
        }
      }
      this.partial = null;
      const more = this.sink.onFrame(partial, FRAME_HEADER_BYTES, partial.length - FRAME_HEADER_BYTES, partial[3] as number,
        partial[4] as number, partial.readUInt32BE(5) & 0x7fffffff);
      return more ? pos : -1;
    }
  }
}
