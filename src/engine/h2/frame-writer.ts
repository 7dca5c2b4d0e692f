/**
 * Every frame the engine writes, encoded into the connection's batched OutputBuffer. Writing never touches the
 * socket: the connection flushes the buffer (once per input chunk, see H2Connection.flushNow).
 */
import { Flag, FrameType, FRAME_HEADER_BYTES } from "./constants.js";
import { OutputBuffer } from "./output-buffer.js";
import { BY_REFERENCE_MIN_BYTES } from "../../protocol/wire-frame.js";

/**
 * DATA payloads from this size on are written as their own buffer (OutputBuffer.attach) instead of being copied
 * into the slab: the copy costs more than the extra piece of the writev. The same size as the parts a WireFrame
 * carries by reference, so such a part is never copied into the slab after all.
 */
export const ATTACH_MIN_BYTES = BY_REFERENCE_MIN_BYTES;

export class FrameWriter extends OutputBuffer {
  settings(values: ReadonlyArray<readonly [number, number]>): void {
    this.ensure(FRAME_HEADER_BYTES + values.length * 6);
    this.frameHeader(values.length * 6, FrameType.SETTINGS, 0, 0);
    for (const [id, value] of values) {
      this.buf.writeUInt16BE(id, this.pos);
      this.buf.writeUInt32BE(value, this.pos + 2);
      this.pos += 6;
    }
  }

  settingsAck(): void {
    this.ensure(FRAME_HEADER_BYTES);
    this.frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0);
  }

  windowUpdate(sid: number, increment: number): void {
    this.ensure(FRAME_HEADER_BYTES + 4);
    this.frameHeader(4, FrameType.WINDOW_UPDATE, 0, sid);
    this.uint32(increment);
  }

  rst(sid: number, code: number): void {
    this.ensure(FRAME_HEADER_BYTES + 4);
    this.frameHeader(4, FrameType.RST_STREAM, 0, sid);
    this.uint32(code);
  }

  ping(ack: boolean, hi: number, lo: number): void {
    this.ensure(FRAME_HEADER_BYTES + 8);
    this.frameHeader(8, FrameType.PING, ack ? Flag.ACK : 0, 0);
    this.uint32(hi);
    this.uint32(lo);
  }

  /** The ACK of a PING, echoing its 8 payload bytes. */
  pingAck(payload: Uint8Array, off: number): void {
    this.ensure(FRAME_HEADER_BYTES + 8);
    this.frameHeader(8, FrameType.PING, Flag.ACK, 0);
    this.bytes(payload, off, off + 8);
  }

  goaway(lastStreamId: number, code: number, debug: string): void {
    const text = Buffer.from(debug.slice(0, 200), "utf8");
    this.ensure(FRAME_HEADER_BYTES + 8 + text.length);
    this.frameHeader(8 + text.length, FrameType.GOAWAY, 0, 0);
    this.uint32(lastStreamId);
    this.uint32(code);
    this.bytes(text, 0, text.length);
  }

  /** A header block, split into HEADERS + CONTINUATION frames at the peer's frame size. */
  headerBlock(sid: number, block: Uint8Array, endStream: boolean, maxFrameSize: number): void {
    const n = block.length;
    if (n <= maxFrameSize) {
      this.ensure(FRAME_HEADER_BYTES + n);
      this.frameHeader(n, FrameType.HEADERS, endStream ? Flag.END_HEADERS | Flag.END_STREAM : Flag.END_HEADERS, sid);
      this.bytes(block, 0, n);
      return;
    }
    this.ensure(n + FRAME_HEADER_BYTES * Math.ceil(n / maxFrameSize));
    this.frameHeader(maxFrameSize, FrameType.HEADERS, endStream ? Flag.END_STREAM : 0, sid);
    this.bytes(block, 0, maxFrameSize);
    for (let off = maxFrameSize; off < n; off += maxFrameSize) {
      const c = Math.min(maxFrameSize, n - off);
      this.frameHeader(c, FrameType.CONTINUATION, off + c === n ? Flag.END_HEADERS : 0, sid);
      this.bytes(block, off, off + c);
    }
  }

  /** One DATA frame with bytes [from, to) of `data`. */
  data(sid: number, data: Uint8Array, from: number, to: number, endStream: boolean): void {
    const n = to - from;
    this.ensure(n >= ATTACH_MIN_BYTES ? FRAME_HEADER_BYTES : FRAME_HEADER_BYTES + n);
    this.frameHeader(n, FrameType.DATA, endStream ? Flag.END_STREAM : 0, sid);
    if (n >= ATTACH_MIN_BYTES) this.attach(from === 0 && to === data.length ? data : data.subarray(from, to));
    else if (n > 0) this.bytes(data, from, to);
  }
}
