/**
 * Header blocks in both directions: HEADERS + CONTINUATION assembled into one block (bounded by
 * maxHeaderBlockBytes), HPACK decoding into the connection's FieldCollector and encoding with its dynamic table.
 */
import { ErrorCode, Flag } from "./constants.js";
import { FieldCollector } from "./header-fields.js";
import { HpackDecoder, HpackEncoder } from "./hpack/index.js";
import type { H2Tuning } from "./tuning.js";

/** Our encoder's table never grows past the RFC default, whatever the peer allows. */
const ENCODER_TABLE_MAX = 4096;
/** The decoder's hard cap on a decoded header list, as a multiple of the soft limit (HPACK bombs). */
const HARD_LIST_FACTOR = 4;

export interface HeaderBlockSink {
  /** A complete block: bytes [start, end) of `block`, valid during the call only; `badPriority` = depends on itself. */
  onHeaderBlock(sid: number, endStream: boolean, block: Uint8Array, start: number, end: number, badPriority: boolean): void;
  connectionError(code: number, message: string): void;
  /** A frame that does no work; false once the peer exceeded the idle-frame budget. */
  takeIdle(): boolean;
}

export class HeaderBlocks {
  readonly decoder: HpackDecoder;
  readonly encoder: HpackEncoder;
  readonly collector: FieldCollector;
  private contStreamId = 0;
  private contEndStream = false;
  private contBadPriority = false;
  private contChunks: Uint8Array[] = [];
  private contBytes = 0;

  constructor(private readonly sink: HeaderBlockSink, private readonly tuning: H2Tuning) {
    this.decoder = new HpackDecoder({
      maxTableSize: tuning.headerTableSize,
      maxHeaderListSize: tuning.maxHeaderListSize * HARD_LIST_FACTOR,
    });
    this.encoder = new HpackEncoder({ maxTableSize: ENCODER_TABLE_MAX, tableSizeLimit: ENCODER_TABLE_MAX });
    this.collector = new FieldCollector(tuning.maxHeaderListSize);
  }

  /** A block is open: only CONTINUATION may come next. */
  get expectingContinuation(): boolean {
    return this.contStreamId !== 0;
  }

  abandon(): void {
    this.contStreamId = 0;
    this.contChunks = [];
  }

  headers(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    const sink = this.sink;
    if (sid === 0) return sink.connectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
    let p = off;
    let end = off + len;
    if ((flags & Flag.PADDED) !== 0) {
      if (len === 0) return sink.connectionError(ErrorCode.FRAME_SIZE_ERROR, "padded HEADERS without pad length");
      end -= buf[p] as number;
      p++;
    }
    let badPriority = false;
    if ((flags & Flag.PRIORITY) !== 0) {
      if (end - p < 5) return sink.connectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority");
      badPriority = (buf.readUInt32BE(p) & 0x7fffffff) === sid;
      p += 5;
    }
    if (end < p) return sink.connectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS padding exceeds the payload");
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if (end - p > this.tuning.maxHeaderBlockBytes) return this.calm(); // frames may be larger than a header block
    if ((flags & Flag.END_HEADERS) !== 0) {
      sink.onHeaderBlock(sid, endStream, buf, p, end, badPriority); // decoded in place: no view per request
      return;
    }
    const fragment = buf.subarray(p, end);
    this.contStreamId = sid;
    this.contEndStream = endStream;
    this.contBadPriority = badPriority;
    this.contChunks = [fragment];
    this.contBytes = fragment.length;
  }

  continuation(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    const sink = this.sink;
    if (this.contStreamId === 0) return sink.connectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without HEADERS");
    if (sid !== this.contStreamId) return sink.connectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION on another stream");
    const last = (flags & Flag.END_HEADERS) !== 0;
    if (len === 0 && !last && !sink.takeIdle()) {
      return sink.connectionError(ErrorCode.ENHANCE_YOUR_CALM, "too many empty CONTINUATION frames");
    }
    this.contBytes += len;
    if (this.contBytes > this.tuning.maxHeaderBlockBytes) return this.calm();
    this.contChunks.push(buf.subarray(off, off + len));
    if (!last) return;
    const block = Buffer.concat(this.contChunks, this.contBytes);
    this.contChunks = [];
    this.contStreamId = 0;
    sink.onHeaderBlock(sid, this.contEndStream, block, 0, block.length, this.contBadPriority);
  }

  private calm(): void {
    this.sink.connectionError(ErrorCode.ENHANCE_YOUR_CALM, "header block too large");
  }

  /**
   * Decodes a block into the collector (reset for `mode`). False after a COMPRESSION_ERROR: the HPACK state is
   * lost, so the connection is over.
   */
  decode(mode: "request" | "response" | "trailers", block: Uint8Array, start: number, end: number): boolean {
    const collector = this.collector;
    collector.reset(mode);
    try {
      this.decoder.decode(block, collector.onField, start, end);
      return true;
    } catch (err) {
      this.sink.connectionError(ErrorCode.COMPRESSION_ERROR, `HPACK: ${err instanceof Error ? err.message : String(err)}`);
      return false;
    }
  }

  /**
   * Encodes fields with the dynamic table (carries any pending table size update). Null if a field cannot be
   * encoded (a value outside latin1); the encoder then has a size update pending that resynchronises both tables.
   */
  encode(fields: ReadonlyArray<readonly [string, string]>): Uint8Array | null {
    try {
      return this.encoder.encode(fields);
    } catch {
      return null;
    }
  }
}
