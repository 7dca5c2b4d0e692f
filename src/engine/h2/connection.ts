/**
 * The HTTP/2 connection core shared by the server and the client: frame parsing (one loop per socket chunk,
 * partial frames carried over), SETTINGS, PING, WINDOW_UPDATE, RST_STREAM, GOAWAY, flow control in both
 * directions, the batched output buffer and the flood defences. Roles subclass it and handle header blocks and
 * stream data.
 */
import type { Duplex } from "node:stream";
import {
  DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, ErrorCode, Flag, FrameType, FRAME_HEADER_BYTES, MAX_MAX_FRAME_SIZE,
  MAX_WINDOW, PREFACE, Setting,
} from "./constants.js";
import { HpackDecoder, HpackEncoder } from "./hpack/index.js";
import { OutputBuffer } from "./output-buffer.js";
import { peerProtocolError } from "./protocol-error.js";
import { PausedInput, type StreamCore } from "./stream-core.js";
import { StreamTable } from "./stream-table.js";
import { RateLimit, type H2Tuning } from "./tuning.js";

const RECENT_RESETS = 256;
/** Our encoder's table never grows past the RFC default, whatever the peer allows. */
const ENCODER_TABLE_MAX = 4096;
const DESTROY_AFTER_END_MS = 2000;
/** The decoder's hard cap on a decoded header list, as a multiple of the soft limit (HPACK bombs). */
const HARD_LIST_FACTOR = 4;
const DEFAULT_HEADER_TABLE_SIZE = 4096;

/** A small ring of recent stream ids; looked up only on error paths. */
class RecentIds {
  private ids: Int32Array | null = null;
  private pos = 0;

  add(id: number): void {
    const ids = (this.ids ??= new Int32Array(RECENT_RESETS));
    ids[this.pos] = id;
    this.pos = (this.pos + 1) % RECENT_RESETS;
  }

  has(id: number): boolean {
    return this.ids !== null && this.ids.includes(id);
  }
}

export abstract class H2Connection<S extends StreamCore> {
  readonly streams = new StreamTable<S>();
  protected readonly out = new OutputBuffer();
  protected readonly decoder: HpackDecoder;
  protected readonly encoder: HpackEncoder;

  peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  peerInitialWindow = DEFAULT_WINDOW;
  peerMaxConcurrent = Infinity;
  peerMaxHeaderListSize = Infinity;
  connSendWindow = DEFAULT_WINDOW;
  private connRecvWindow = DEFAULT_WINDOW;
  private connRecvConsumed = 0;

  private prefaceLeft: number;
  protected gotPeerSettings = false;
  private ourSettingsAcked = false;
  private partial: Buffer | null = null;
  private partialLen = 0;
  private partialNeed = 0;

  private contStreamId = 0;
  private contEndStream = false;
  private contBadPriority = false;
  private contChunks: Uint8Array[] = [];
  private contBytes = 0;

  private readonly blockedStreams: S[] = [];
  private outputBlocked = false;
  private flushScheduled = false;
  /** No frames are read or written any more (connection error, socket gone). */
  dead = false;
  private socketClosed = false;
  /** Streams we reset lately: frames the peer had in flight for them are ignored (RFC 9113 5.4.2). */
  private readonly recentResets = new RecentIds();
  /** Streams that closed normally lately: more frames on them are STREAM_CLOSED errors, not unknown ids. */
  protected readonly recentClosed = new RecentIds();

  private readonly resetLimit: RateLimit;
  private readonly controlLimit: RateLimit;
  private readonly idleLimit: RateLimit;
  private stallTimer: NodeJS.Timeout | null = null;
  private prefaceTimer: NodeJS.Timeout | null = null;
  private destroyTimer: NodeJS.Timeout | null = null;
  private lastProgress = 0;

  constructor(readonly socket: Duplex, readonly tuning: H2Tuning, readonly isServer: boolean) {
    this.prefaceLeft = isServer ? PREFACE.length : 0;
    this.decoder = new HpackDecoder({
      maxTableSize: tuning.headerTableSize,
      maxHeaderListSize: tuning.maxHeaderListSize * HARD_LIST_FACTOR,
    });
    this.encoder = new HpackEncoder({ maxTableSize: ENCODER_TABLE_MAX, tableSizeLimit: ENCODER_TABLE_MAX });
    this.resetLimit = new RateLimit(tuning.resetBurst, tuning.resetsPerSecond);
    this.controlLimit = new RateLimit(tuning.controlBurst, tuning.controlPerSecond);
    this.idleLimit = new RateLimit(tuning.idleFrameBurst, tuning.idleFramesPerSecond);
  }

  /* ------------------------------------------------------------------ role hooks */

  /**
   * A complete header block (HEADERS + CONTINUATION) for a stream: bytes [start, end) of `block`, valid during the
   * call only; `badPriority` = it depends on itself.
   */
  protected abstract onHeaderBlock(
    streamId: number, endStream: boolean, block: Uint8Array, start: number, end: number, badPriority: boolean,
  ): void;
  /** DATA for an open stream (`data` null for an empty frame); remoteEnded is already set when `endStream`. */
  protected abstract onStreamData(stream: S, data: Uint8Array | null, endStream: boolean): void;
  /**
   * The stream ended abnormally and is already removed: reset by the peer (`byPeer`), by us after a stream error,
   * or because the connection died. Called once per stream.
   */
  protected abstract onStreamTerminated(stream: S, code: number | null, error: Error | undefined, byPeer: boolean): void;
  /** Queued DATA of the stream moved out (it may now be empty, or below the soft limit). */
  protected abstract onQueueProgress(stream: S): void;
  protected abstract onPeerGoaway(lastStreamId: number, code: number): void;
  /** The socket is closed; called once, after every stream was terminated. */
  protected abstract onClosed(error: Error | undefined): void;
  /** Whether a stream id not in the map is idle (never opened) rather than closed. */
  protected abstract isIdle(streamId: number): boolean;
  /** Last peer-initiated stream id we processed, for GOAWAY. */
  protected abstract lastProcessedStreamId(): number;
  /** The peer's SETTINGS were applied. */
  protected onPeerSettings(): void {}
  protected onPingAck(_payload: Buffer, _offset: number): void {}
  /** The peer's end of stream (END_STREAM or trailers) that waited behind held DATA, now that all of it is delivered. */
  protected abstract onHeldEnd(stream: S): void;

  /* ------------------------------------------------------------------ setup */

  /** Attaches to the socket and queues the connection preface (client) and our SETTINGS. */
  protected start(settings: ReadonlyArray<readonly [number, number]>): void {
    const socket = this.socket;
    socket.on("data", this.onSocketData);
    socket.on("drain", this.onSocketDrain);
    socket.on("error", this.onSocketError);
    socket.on("end", this.onSocketEnd);
    socket.on("close", this.onSocketClose);
    const out = this.out;
    if (!this.isServer) {
      out.ensure(PREFACE.length);
      out.bytes(PREFACE, 0, PREFACE.length);
    }
    out.ensure(FRAME_HEADER_BYTES + settings.length * 6 + 13);
    out.frameHeader(settings.length * 6, FrameType.SETTINGS, 0, 0);
    for (const [id, value] of settings) {
      out.buf.writeUInt16BE(id, out.pos);
      out.buf.writeUInt32BE(value, out.pos + 2);
      out.pos += 6;
    }
    const raise = this.tuning.connectionWindowSize - DEFAULT_WINDOW;
    if (raise > 0) {
      out.frameHeader(4, FrameType.WINDOW_UPDATE, 0, 0);
      out.uint32(raise);
      this.connRecvWindow += raise;
    }
    if (this.isServer) {
      this.prefaceTimer = setTimeout(this.onPrefaceTimeout, this.tuning.prefaceTimeoutMs);
      this.prefaceTimer.unref();
    }
    this.flushNow();
  }

  /** A new stream's windows. */
  protected initStream(stream: S, id: number): void {
    stream.id = id;
    stream.sendWindow = this.peerInitialWindow;
    stream.recvWindow = this.tuning.initialWindowSize;
  }

  /* ------------------------------------------------------------------ input */

  private readonly onSocketData = (chunk: Buffer | Uint8Array | string): void => {
    if (this.dead) return;
    const buf = typeof chunk === "string"
      ? Buffer.from(chunk, "latin1")
      : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    try {
      this.parse(buf);
    } catch (err) {
      // A bug in the engine or a throwing hook: never take the process down, fail the connection.
      this.connectionError(ErrorCode.INTERNAL_ERROR, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    }
    if (this.out.pending > 0) this.scheduleFlush();
  };

  private parse(buf: Buffer): void {
    let pos = 0;
    const earlyFlushBytes = this.tuning.earlyFlushBytes;
    const len = buf.length;
    if (this.prefaceLeft > 0) {
      const n = Math.min(this.prefaceLeft, len);
      const at = PREFACE.length - this.prefaceLeft;
      for (let i = 0; i < n; i++) {
        if (buf[i] !== PREFACE[at + i]) {
          this.connectionError(ErrorCode.PROTOCOL_ERROR, "invalid connection preface");
          return;
        }
      }
      this.prefaceLeft -= n;
      pos = n;
      if (this.prefaceLeft > 0) return;
    }
    if (this.partial !== null) {
      pos = this.fillPartial(buf, pos);
      if (pos < 0) return;
    }
    while (len - pos >= FRAME_HEADER_BYTES) {
      const flen = (buf[pos] as number) << 16 | (buf[pos + 1] as number) << 8 | (buf[pos + 2] as number);
      if (flen > DEFAULT_MAX_FRAME_SIZE) {
        this.connectionError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${flen} bytes exceeds SETTINGS_MAX_FRAME_SIZE`);
        return;
      }
      if (len - pos - FRAME_HEADER_BYTES < flen) break;
      this.frame(buf, pos + FRAME_HEADER_BYTES, flen, buf[pos + 3] as number, buf[pos + 4] as number,
        buf.readUInt32BE(pos + 5) & 0x7fffffff);
      if (this.dead) return;
      pos += FRAME_HEADER_BYTES + flen;
      if (this.out.pending >= earlyFlushBytes) this.flushEarly();
    }
    if (pos < len) this.startPartial(buf, pos);
  }

  /** Keeps the tail of a chunk that holds an incomplete frame: one copy, into a buffer of the frame's size. */
  private startPartial(buf: Buffer, pos: number): void {
    const rem = buf.length - pos;
    let need = FRAME_HEADER_BYTES;
    if (rem >= FRAME_HEADER_BYTES) {
      need += (buf[pos] as number) << 16 | (buf[pos + 1] as number) << 8 | (buf[pos + 2] as number);
    }
    const partial = Buffer.allocUnsafe(need);
    buf.copy(partial, 0, pos);
    this.partial = partial;
    this.partialLen = rem;
    this.partialNeed = need;
  }

  /** Completes the carried frame from the new chunk; returns where parsing resumes, or -1 if more is needed. */
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
        const flen = (partial[0] as number) << 16 | (partial[1] as number) << 8 | (partial[2] as number);
        if (flen > DEFAULT_MAX_FRAME_SIZE) {
          this.connectionError(ErrorCode.FRAME_SIZE_ERROR, `frame of ${flen} bytes exceeds SETTINGS_MAX_FRAME_SIZE`);
          return -1;
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
      this.frame(partial, FRAME_HEADER_BYTES, partial.length - FRAME_HEADER_BYTES, partial[3] as number,
        partial[4] as number, partial.readUInt32BE(5) & 0x7fffffff);
      return this.dead ? -1 : pos;
    }
  }

  private frame(buf: Buffer, off: number, len: number, type: number, flags: number, sid: number): void {
    if (this.contStreamId !== 0 && type !== FrameType.CONTINUATION) {
      this.connectionError(ErrorCode.PROTOCOL_ERROR, "expected CONTINUATION");
      return;
    }
    if (!this.gotPeerSettings && (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0)) {
      this.connectionError(ErrorCode.PROTOCOL_ERROR, "the first frame must be SETTINGS");
      return;
    }
    switch (type) {
      case FrameType.DATA: this.onData(buf, off, len, flags, sid); break;
      case FrameType.HEADERS: this.onHeaders(buf, off, len, flags, sid); break;
      case FrameType.PRIORITY: this.onPriority(buf, off, len, sid); break;
      case FrameType.RST_STREAM: this.onRstStream(buf, off, len, sid); break;
      case FrameType.SETTINGS: this.onSettings(buf, off, len, flags, sid); break;
      case FrameType.PUSH_PROMISE:
        this.connectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE is not allowed (push is disabled)");
        break;
      case FrameType.PING: this.onPing(buf, off, len, flags, sid); break;
      case FrameType.GOAWAY: this.onGoaway(buf, off, len, sid); break;
      case FrameType.WINDOW_UPDATE: this.onWindowUpdate(buf, off, len, sid); break;
      case FrameType.CONTINUATION: this.onContinuation(buf, off, len, flags, sid); break;
      default:
        if (!this.idleLimit.take()) this.calm("too many frames of unknown type");
    }
  }

  private onData(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (sid === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
    let start = off;
    let end = off + len;
    if ((flags & Flag.PADDED) !== 0) {
      if (len === 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "padded DATA without pad length");
      const pad = buf[off] as number;
      if (pad >= len) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "DATA padding exceeds the payload");
      start++;
      end -= pad;
    }
    this.connRecvWindow -= len;
    if (this.connRecvWindow < 0) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window exceeded");
    this.connRecvConsumed += len;
    const stream = this.streams.get(sid);
    if (stream === undefined) {
      if (this.isIdle(sid)) return this.connectionError(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${sid}`);
      this.replenishConnection();
      if (!this.idleLimit.take()) return this.calm("too many frames on closed streams");
      if (!this.wasResetByUs(sid)) this.writeRst(sid, ErrorCode.STREAM_CLOSED);
      return;
    }
    if (stream.remoteEnded) {
      this.replenishConnection();
      return this.streamError(stream, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    }
    stream.recvWindow -= len;
    if (stream.recvWindow < 0) {
      this.replenishConnection();
      return this.streamError(stream, ErrorCode.FLOW_CONTROL_ERROR, "stream window exceeded");
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const n = end - start;
    if (n === 0 && !endStream && !this.idleLimit.take()) return this.calm("too many empty DATA frames");
    stream.receivedBytes += n;
    if (stream.contentLength >= 0 && (endStream ? stream.receivedBytes !== stream.contentLength
      : stream.receivedBytes > stream.contentLength)) {
      this.replenishConnection();
      return this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "DATA does not match content-length");
    }
    if (endStream) stream.remoteEnded = true;
    const input = stream.input;
    if (input !== null && (input.held !== null || (input.paused && n > 0))) {
      // The owner is not reading: keep a copy (a view would pin the whole socket chunk) and grant the peer no more
      // window for it until it is delivered, so what is held stays within the stream's receive window.
      stream.recvConsumed += len - n;
      if (n > 0) (input.held ??= []).push(new Uint8Array(buf.subarray(start, end)));
      if (endStream) input.heldEnd = true;
      this.replenishConnection();
      return;
    }
    stream.recvConsumed += len;
    this.onStreamData(stream, n > 0 ? buf.subarray(start, end) : null, endStream);
    if (!endStream) this.grantStreamWindow(stream);
    this.replenishConnection();
  }

  /** WINDOW_UPDATE for what the owner has consumed, once half the window is used and unless input is paused. */
  private grantStreamWindow(stream: S): void {
    if (stream.done || stream.remoteEnded || this.dead || (stream.input !== null && stream.input.paused)) return;
    if (stream.recvConsumed >= this.tuning.initialWindowSize >>> 1) {
      this.writeWindowUpdate(stream.id, stream.recvConsumed);
      stream.recvWindow += stream.recvConsumed;
      stream.recvConsumed = 0;
    }
  }

  /** The owner stopped reading the stream (ServerStream/ClientStream.pauseInput). */
  protected pauseStream(stream: S): void {
    if (stream.input === null) stream.input = new PausedInput();
    else stream.input.paused = true;
  }

  /** The owner reads again: held DATA is delivered (in a microtask, not inside the owner's call), then window granted. */
  protected resumeStream(stream: S): void {
    const input = stream.input;
    if (input === null || !input.paused) return;
    input.paused = false;
    if (input.held === null && !input.heldEnd) {
      if (stream.id !== 0) this.grantStreamWindow(stream);
      if (this.out.pending > 0) this.scheduleFlush();
      return;
    }
    if (!input.resumeScheduled) {
      input.resumeScheduled = true;
      queueMicrotask(() => this.deliverHeld(stream, input));
    }
  }

  private deliverHeld(stream: S, input: PausedInput): void {
    input.resumeScheduled = false;
    if (input.delivering) return; // the outer delivery loop goes on
    input.delivering = true;
    try {
      while (!input.paused && input.held !== null) {
        const held = input.held;
        const chunk = held.shift() as Uint8Array;
        if (held.length === 0) input.held = null;
        stream.recvConsumed += chunk.length;
        this.onStreamData(stream, chunk, false);
      }
      if (!input.paused && input.held === null && input.heldEnd) {
        input.heldEnd = false;
        this.onHeldEnd(stream);
      }
    } catch (err) {
      this.connectionError(ErrorCode.INTERNAL_ERROR, `internal error: ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      input.delivering = false;
    }
    this.grantStreamWindow(stream);
    if (this.out.pending > 0) this.scheduleFlush();
  }

  /** Data is handed to the gRPC layer as it arrives, so it counts as consumed: refill once half is used. */
  private replenishConnection(): void {
    if (this.connRecvConsumed >= this.tuning.connectionWindowSize >>> 1 && !this.dead) {
      this.writeWindowUpdate(0, this.connRecvConsumed);
      this.connRecvWindow += this.connRecvConsumed;
      this.connRecvConsumed = 0;
    }
  }

  private onHeaders(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (sid === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS on stream 0");
    let p = off;
    let end = off + len;
    if ((flags & Flag.PADDED) !== 0) {
      if (len === 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "padded HEADERS without pad length");
      end -= buf[p] as number;
      p++;
    }
    let badPriority = false;
    if ((flags & Flag.PRIORITY) !== 0) {
      if (end - p < 5) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "HEADERS too short for its priority");
      badPriority = (buf.readUInt32BE(p) & 0x7fffffff) === sid;
      p += 5;
    }
    if (end < p) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "HEADERS padding exceeds the payload");
    const endStream = (flags & Flag.END_STREAM) !== 0;
    if ((flags & Flag.END_HEADERS) !== 0) {
      this.onHeaderBlock(sid, endStream, buf, p, end, badPriority); // decoded in place: no view per request
      return;
    }
    const fragment = buf.subarray(p, end);
    if (fragment.length > this.tuning.maxHeaderBlockBytes) return this.calm("header block too large");
    this.contStreamId = sid;
    this.contEndStream = endStream;
    this.contBadPriority = badPriority;
    this.contChunks = [fragment];
    this.contBytes = fragment.length;
  }

  private onContinuation(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (this.contStreamId === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION without HEADERS");
    if (sid !== this.contStreamId) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "CONTINUATION on another stream");
    const last = (flags & Flag.END_HEADERS) !== 0;
    if (len === 0 && !last && !this.idleLimit.take()) return this.calm("too many empty CONTINUATION frames");
    this.contBytes += len;
    if (this.contBytes > this.tuning.maxHeaderBlockBytes) return this.calm("header block too large");
    this.contChunks.push(buf.subarray(off, off + len));
    if (!last) return;
    const block = Buffer.concat(this.contChunks, this.contBytes);
    this.contChunks = [];
    this.contStreamId = 0;
    this.onHeaderBlock(sid, this.contEndStream, block, 0, block.length, this.contBadPriority);
  }

  private onPriority(buf: Buffer, off: number, len: number, sid: number): void {
    if (sid === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (len !== 5) return this.streamErrorById(sid, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY frame must be 5 bytes");
    if (!this.idleLimit.take()) return this.calm("too many PRIORITY frames");
    if ((buf.readUInt32BE(off) & 0x7fffffff) === sid) {
      this.streamErrorById(sid, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
    }
  }

  private onRstStream(buf: Buffer, off: number, len: number, sid: number): void {
    if (sid === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (len !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM frame must be 4 bytes");
    const stream = this.streams.get(sid);
    if (stream === undefined && this.isIdle(sid)) {
      return this.connectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${sid}`);
    }
    if (!this.resetLimit.take()) return this.calm("too many stream resets");
    if (stream === undefined) return;
    stream.endSent = true;
    this.removeStream(stream);
    this.onStreamTerminated(stream, buf.readUInt32BE(off), undefined, true);
  }

  private onSettings(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (sid !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if ((flags & Flag.ACK) !== 0) {
      if (len !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ack with a payload");
      if (!this.ourSettingsAcked) {
        this.ourSettingsAcked = true;
        // Until this ACK the peer may still encode against the default 4096-octet table (RFC 7541 4.2): a smaller
        // HEADER_TABLE_SIZE of ours is enforced only from now on.
        if (this.tuning.headerTableSize < DEFAULT_HEADER_TABLE_SIZE) this.decoder.setMaxTableSize(this.tuning.headerTableSize);
      }
      return;
    }
    if (len % 6 !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
    if (!this.controlLimit.take()) return this.calm("too many SETTINGS frames");
    let windowDelta = 0;
    for (let p = off; p < off + len; p += 6) {
      const value = buf.readUInt32BE(p + 2);
      switch (buf.readUInt16BE(p)) {
        case Setting.HEADER_TABLE_SIZE:
          this.encoder.setMaxTableSize(value); // the encoder caps it at its own limit (4096)
          break;
        case Setting.ENABLE_PUSH:
          if (value > 1 || (value === 1 && !this.isServer)) {
            return this.connectionError(ErrorCode.PROTOCOL_ERROR, "invalid SETTINGS_ENABLE_PUSH");
          }
          break;
        case Setting.MAX_CONCURRENT_STREAMS:
          this.peerMaxConcurrent = value;
          break;
        case Setting.INITIAL_WINDOW_SIZE: {
          if (value > MAX_WINDOW) {
            return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, "SETTINGS_INITIAL_WINDOW_SIZE too large");
          }
          const delta = value - this.peerInitialWindow;
          this.peerInitialWindow = value;
          windowDelta += delta;
          // The change applies to every open stream's window, retroactively (RFC 9113 6.9.2).
          for (const stream of this.streams.list()) {
            stream.sendWindow += delta;
            if (stream.sendWindow > MAX_WINDOW) {
              return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, "stream window overflow");
            }
          }
          break;
        }
        case Setting.MAX_FRAME_SIZE:
          if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
            return this.connectionError(ErrorCode.PROTOCOL_ERROR, "invalid SETTINGS_MAX_FRAME_SIZE");
          }
          this.peerMaxFrameSize = value;
          break;
        case Setting.MAX_HEADER_LIST_SIZE:
          this.peerMaxHeaderListSize = value;
          break;
        default:
          break; // unknown settings are ignored (RFC 9113 6.5.2)
      }
    }
    const out = this.out;
    out.ensure(FRAME_HEADER_BYTES);
    out.frameHeader(0, FrameType.SETTINGS, Flag.ACK, 0);
    this.scheduleFlush();
    if (!this.gotPeerSettings) {
      this.gotPeerSettings = true;
      if (this.prefaceTimer !== null) {
        clearTimeout(this.prefaceTimer);
        this.prefaceTimer = null;
      }
    }
    if (windowDelta > 0 && this.blockedStreams.length > 0) this.moveQueuedData();
    this.onPeerSettings();
  }

  private onPing(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (sid !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
    if (len !== 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "PING frame must be 8 bytes");
    if ((flags & Flag.ACK) !== 0) {
      this.onPingAck(buf, off);
      return;
    }
    if (!this.controlLimit.take()) return this.calm("too many PING frames");
    const out = this.out;
    out.ensure(FRAME_HEADER_BYTES + 8);
    out.frameHeader(8, FrameType.PING, Flag.ACK, 0);
    out.bytes(buf, off, off + 8);
    this.scheduleFlush();
  }

  private onGoaway(buf: Buffer, off: number, len: number, sid: number): void {
    if (sid !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (len < 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY frame too short");
    this.onPeerGoaway(buf.readUInt32BE(off) & 0x7fffffff, buf.readUInt32BE(off + 4));
  }

  private onWindowUpdate(buf: Buffer, off: number, len: number, sid: number): void {
    if (len !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE frame must be 4 bytes");
    const inc = buf.readUInt32BE(off) & 0x7fffffff;
    if (sid === 0) {
      if (inc === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      this.connSendWindow += inc;
      if (this.connSendWindow > MAX_WINDOW) {
        return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window overflow");
      }
      this.lastProgress = performance.now();
      if (this.blockedStreams.length > 0) this.moveQueuedData();
      return;
    }
    const stream = this.streams.get(sid);
    if (stream === undefined) {
      if (this.isIdle(sid)) return this.connectionError(ErrorCode.PROTOCOL_ERROR, `WINDOW_UPDATE on idle stream ${sid}`);
      return;
    }
    if (inc === 0) return this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
    stream.sendWindow += inc;
    if (stream.sendWindow > MAX_WINDOW) return this.streamError(stream, ErrorCode.FLOW_CONTROL_ERROR, "stream window overflow");
    if (stream.queue !== null) this.moveQueuedData();
  }

  /* ------------------------------------------------------------------ output */

  protected scheduleFlush(): void {
    if (!this.flushScheduled && !this.socketClosed) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Mid-chunk write of what is produced so far (see H2Tuning.earlyFlushBytes); the scheduled flush does the rest. */
  private flushEarly(): void {
    if (this.outputBlocked || this.socketClosed) return;
    const chunk = this.out.take();
    if (chunk !== null) this.socket.write(chunk);
  }

  /** One socket write of everything produced since the last flush; then more queued DATA if the socket takes it. */
  protected readonly flushNow = (): void => {
    this.flushScheduled = false;
    if (this.socketClosed) return;
    const socket = this.socket;
    for (let round = 0; round < 64; round++) {
      const chunk = this.out.take();
      if (chunk !== null) socket.write(chunk);
      const waiting = socket.writableLength;
      if (waiting > this.tuning.outputHighWaterBytes) {
        this.outputBlocked = true;
        if (waiting > this.tuning.outputHardCapBytes) {
          this.destroyConnection(new Error(`peer is not reading: ${waiting} bytes waiting`));
          return;
        }
        this.armStall();
        return;
      }
      this.outputBlocked = false;
      if (this.dead || this.blockedStreams.length === 0 || !this.moveQueuedData()) return;
    }
    this.scheduleFlush();
  };

  private readonly onSocketDrain = (): void => {
    this.lastProgress = performance.now();
    this.outputBlocked = false;
    if (this.blockedStreams.length > 0) this.moveQueuedData();
    this.scheduleFlush();
  };

  /**
   * Sends DATA on a stream within the flow-control windows and queues the rest. Returns false when the stream's
   * queue is above the soft limit (the caller should wait for the drain hook).
   */
  protected sendData(stream: S, data: Uint8Array, end: boolean): boolean {
    if (stream.endSent || this.dead) return false;
    const n = data.length;
    if (stream.queue === null) {
      if (n === 0) {
        if (!end) return true;
        this.out.ensure(FRAME_HEADER_BYTES);
        this.out.frameHeader(0, FrameType.DATA, Flag.END_STREAM, stream.id);
        stream.endSent = true;
        this.scheduleFlush();
        return true;
      }
      let off = 0;
      if (!this.outputBlocked) {
        const out = this.out;
        const high = this.tuning.outputHighWaterBytes;
        while (out.pending < high) {
          let allow = n - off;
          if (allow > this.peerMaxFrameSize) allow = this.peerMaxFrameSize;
          if (allow > stream.sendWindow) allow = stream.sendWindow;
          if (allow > this.connSendWindow) allow = this.connSendWindow;
          if (allow <= 0) break;
          const last = off + allow === n;
          out.ensure(FRAME_HEADER_BYTES + allow);
          out.frameHeader(allow, FrameType.DATA, last && end ? Flag.END_STREAM : 0, stream.id);
          out.bytes(data, off, off + allow);
          off += allow;
          stream.sendWindow -= allow;
          this.connSendWindow -= allow;
          if (last) {
            if (end) stream.endSent = true;
            this.scheduleFlush();
            return true;
          }
        }
        if (off > 0) this.scheduleFlush();
      }
      this.enqueue(stream, off === 0 ? data : data.subarray(off), end);
    } else {
      this.enqueue(stream, data, end);
    }
    if (stream.queuedBytes > this.tuning.streamQueueHardBytes) {
      this.streamError(stream, ErrorCode.INTERNAL_ERROR, "send queue overflow: the caller ignored backpressure");
      return false;
    }
    if (stream.queuedBytes > this.tuning.streamQueueSoftBytes) {
      stream.wantDrain = true;
      return false;
    }
    return true;
  }

  private enqueue(stream: S, data: Uint8Array, end: boolean): void {
    if (data.length > 0) {
      if (stream.queue === null) {
        stream.queue = [data];
        stream.queueOffset = 0;
      } else {
        stream.queue.push(data);
      }
      stream.queuedBytes += data.length;
    }
    if (end) stream.queueEnd = true;
    if (!stream.blocked) {
      stream.blocked = true;
      this.blockedStreams.push(stream);
    }
    this.armStall();
  }

  /** Moves queued DATA of blocked streams into the output, in turn; true if anything moved. */
  private moveQueuedData(): boolean {
    const list = this.blockedStreams;
    const high = this.tuning.outputHighWaterBytes;
    let moved = false;
    let w = 0;
    for (let r = 0; r < list.length; r++) {
      const stream = list[r] as S;
      if (!stream.done && stream.queue !== null && this.connSendWindow > 0 && this.out.pending < high && !this.dead) {
        if (this.writeQueued(stream)) moved = true;
      }
      if (!stream.done && stream.queue !== null) list[w++] = stream;
      else stream.blocked = false;
    }
    list.length = w;
    if (moved) {
      this.lastProgress = performance.now();
      this.scheduleFlush();
    }
    return moved;
  }

  private writeQueued(stream: S): boolean {
    const out = this.out;
    const high = this.tuning.outputHighWaterBytes;
    let moved = false;
    let queue = stream.queue;
    while (queue !== null && out.pending < high) {
      const head = queue[0] as Uint8Array;
      const remaining = head.length - stream.queueOffset;
      let allow = remaining;
      if (allow > this.peerMaxFrameSize) allow = this.peerMaxFrameSize;
      if (allow > stream.sendWindow) allow = stream.sendWindow;
      if (allow > this.connSendWindow) allow = this.connSendWindow;
      if (allow <= 0) break;
      const emptiesQueue = allow === remaining && queue.length === 1;
      const endStream = emptiesQueue && stream.queueEnd;
      out.ensure(FRAME_HEADER_BYTES + allow);
      out.frameHeader(allow, FrameType.DATA, endStream ? Flag.END_STREAM : 0, stream.id);
      out.bytes(head, stream.queueOffset, stream.queueOffset + allow);
      stream.sendWindow -= allow;
      this.connSendWindow -= allow;
      stream.queuedBytes -= allow;
      moved = true;
      stream.queueOffset += allow;
      if (stream.queueOffset === head.length) {
        queue.shift();
        stream.queueOffset = 0;
        if (queue.length === 0) {
          queue = null;
          stream.queue = null;
          if (stream.queueEnd) {
            stream.queueEnd = false;
            stream.endSent = true;
          }
        }
      }
    }
    if (moved) this.onQueueProgress(stream);
    return moved;
  }

  private armStall(): void {
    if (this.stallTimer !== null || this.dead) return;
    this.lastProgress = performance.now();
    this.stallTimer = setTimeout(this.checkStall, this.tuning.stallTimeoutMs);
    this.stallTimer.unref();
  }

  private readonly checkStall = (): void => {
    this.stallTimer = null;
    if (this.dead) return;
    const stalled = this.outputBlocked || (this.blockedStreams.length > 0 && this.connSendWindow <= 0);
    if (!stalled && this.blockedStreams.length === 0) return;
    const idle = performance.now() - this.lastProgress;
    if (stalled && idle >= this.tuning.stallTimeoutMs) {
      this.destroyConnection(new Error(`peer stopped reading: no progress for ${Math.round(idle)} ms`));
      return;
    }
    this.stallTimer = setTimeout(this.checkStall, Math.max(10, this.tuning.stallTimeoutMs - (stalled ? idle : 0)));
    this.stallTimer.unref();
  };

  /** A header block, split into HEADERS + CONTINUATION frames at the peer's frame size. */
  protected writeHeaderBlock(sid: number, block: Uint8Array, endStream: boolean): void {
    const out = this.out;
    const max = this.peerMaxFrameSize;
    const n = block.length;
    if (n <= max) {
      out.ensure(FRAME_HEADER_BYTES + n);
      out.frameHeader(n, FrameType.HEADERS, endStream ? Flag.END_HEADERS | Flag.END_STREAM : Flag.END_HEADERS, sid);
      out.bytes(block, 0, n);
    } else {
      out.ensure(n + FRAME_HEADER_BYTES * Math.ceil(n / max));
      out.frameHeader(max, FrameType.HEADERS, endStream ? Flag.END_STREAM : 0, sid);
      out.bytes(block, 0, max);
      for (let off = max; off < n; off += max) {
        const c = Math.min(max, n - off);
        out.frameHeader(c, FrameType.CONTINUATION, off + c === n ? Flag.END_HEADERS : 0, sid);
        out.bytes(block, off, off + c);
      }
    }
    this.scheduleFlush();
  }

  /** The peer changed HEADER_TABLE_SIZE: the next block must come from the encoder (it carries the size update). */
  protected get encoderUpdatePending(): boolean {
    return this.encoder.hasPendingSizeUpdate;
  }

  /**
   * Encodes fields with the connection's encoder (dynamic table; carries any pending table size update).
   * Null if a field cannot be encoded (a value outside latin1). The encoder may then have changed its table and
   * has a size update pending (see encoderUpdatePending), so the next block must come from it, not be pre-encoded.
   */
  protected encodeFields(fields: ReadonlyArray<readonly [string, string]>): Uint8Array | null {
    try {
      return this.encoder.encode(fields);
    } catch {
      return null;
    }
  }

  protected writeRst(sid: number, code: number): void {
    const out = this.out;
    out.ensure(FRAME_HEADER_BYTES + 4);
    out.frameHeader(4, FrameType.RST_STREAM, 0, sid);
    out.uint32(code);
    this.recentResets.add(sid);
    this.scheduleFlush();
  }

  /** Frames for this stream will be ignored from now on, as for one we reset. */
  protected ignoreStream(sid: number): void {
    this.recentResets.add(sid);
  }

  protected wasResetByUs(sid: number): boolean {
    return this.recentResets.has(sid);
  }

  protected writeWindowUpdate(sid: number, increment: number): void {
    const out = this.out;
    out.ensure(FRAME_HEADER_BYTES + 4);
    out.frameHeader(4, FrameType.WINDOW_UPDATE, 0, sid);
    out.uint32(increment);
    this.scheduleFlush();
  }

  protected writePing(ack: boolean, hi: number, lo: number): void {
    const out = this.out;
    out.ensure(FRAME_HEADER_BYTES + 8);
    out.frameHeader(8, FrameType.PING, ack ? Flag.ACK : 0, 0);
    out.uint32(hi);
    out.uint32(lo);
    this.scheduleFlush();
  }

  protected writeGoaway(lastStreamId: number, code: number, debug: string): void {
    const text = Buffer.from(debug.slice(0, 200), "utf8");
    const out = this.out;
    out.ensure(FRAME_HEADER_BYTES + 8 + text.length);
    out.frameHeader(8 + text.length, FrameType.GOAWAY, 0, 0);
    out.uint32(lastStreamId);
    out.uint32(code);
    out.bytes(text, 0, text.length);
    this.scheduleFlush();
  }

  /* ------------------------------------------------------------------ errors and teardown */

  /** Drops a stream from the connection (finished or reset). */
  protected removeStream(stream: S): void {
    if (stream.done) return;
    stream.done = true;
    stream.queue = null;
    stream.queuedBytes = 0;
    this.streams.delete(stream.id);
    this.recentClosed.add(stream.id);
    this.onStreamRemoved(stream);
  }

  /** Bookkeeping hook for the roles (open-stream counts, pending client streams). */
  protected onStreamRemoved(_stream: S): void {}

  protected streamError(stream: S, code: number, message: string): void {
    if (stream.done) return;
    this.writeRst(stream.id, code);
    stream.endSent = true;
    this.removeStream(stream);
    this.onStreamTerminated(stream, code, peerProtocolError(message, code), false);
  }

  protected streamErrorById(sid: number, code: number, message: string): void {
    const stream = this.streams.get(sid);
    if (stream !== undefined) this.streamError(stream, code, message);
    else this.writeRst(sid, code);
  }

  private calm(message: string): void {
    this.connectionError(ErrorCode.ENHANCE_YOUR_CALM, message);
  }

  /** A connection error: GOAWAY with the code, every stream terminated, the socket ended. */
  protected connectionError(code: number, message: string): void {
    if (this.dead) return;
    this.contStreamId = 0;
    this.writeGoaway(this.lastProcessedStreamId(), code, message);
    this.shutdownSocket(peerProtocolError(message, code));
  }

  /**
   * Stops reading, terminates every stream, flushes what is queued (a GOAWAY) and ends the socket. The streams see
   * a failed connection (no reset code, the error), as when the socket fails: callers map that to UNAVAILABLE.
   */
  protected shutdownSocket(error: Error | undefined): void {
    if (this.dead) return;
    this.dead = true;
    this.terminateStreams(error);
    if (error !== undefined) this.reportError(error);
    if (!this.socketClosed) {
      this.flushNow();
      this.socket.end();
      // A peer that never closes its side does not keep the socket forever.
      this.destroyTimer = setTimeout(() => this.socket.destroy(), DESTROY_AFTER_END_MS);
      this.destroyTimer.unref();
    }
  }

  /** Closes without a GOAWAY (the peer is not reading or is gone). */
  protected destroyConnection(error: Error): void {
    if (!this.dead) {
      this.dead = true;
      this.terminateStreams(error);
      this.reportError(error);
    }
    this.socket.destroy();
  }

  protected reportError(_error: Error): void {}

  private terminateStreams(error: Error | undefined): void {
    if (this.stallTimer !== null) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    if (this.prefaceTimer !== null) {
      clearTimeout(this.prefaceTimer);
      this.prefaceTimer = null;
    }
    this.blockedStreams.length = 0;
    if (this.streams.size === 0) return;
    const reason = error ?? new Error("HTTP/2 connection closed"); // one error object for all streams
    for (const stream of this.streams.list()) {
      this.removeStream(stream);
      this.onStreamTerminated(stream, null, reason, false);
    }
  }

  private readonly onPrefaceTimeout = (): void => {
    this.prefaceTimer = null;
    if (!this.gotPeerSettings) this.destroyConnection(new Error("no HTTP/2 preface within the timeout"));
  };

  private readonly onSocketError = (err: Error): void => {
    if (!this.dead) {
      this.dead = true;
      this.terminateStreams(err);
      this.reportError(err);
    }
    this.socket.destroy();
  };

  private readonly onSocketEnd = (): void => {
    if (!this.dead) {
      this.dead = true;
      this.terminateStreams(new Error("peer closed the connection"));
    }
    this.flushNow();
    this.socket.end();
  };

  private readonly onSocketClose = (): void => {
    this.socketClosed = true;
    let error: Error | undefined;
    if (!this.dead) {
      this.dead = true;
      error = new Error("connection closed");
      this.terminateStreams(error);
    }
    for (const timer of [this.stallTimer, this.prefaceTimer, this.destroyTimer]) if (timer !== null) clearTimeout(timer);
    this.stallTimer = this.prefaceTimer = this.destroyTimer = null;
    this.onClosed(error);
  };
}
