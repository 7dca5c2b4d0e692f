/**
 * The HTTP/2 connection shared by the server and the client: frame dispatch, SETTINGS, PING, WINDOW_UPDATE,
 * RST_STREAM, GOAWAY, the output flush, the message rules both roles share, and ONE `closeConnection()` for every way a
 * connection ends. The parts live next to it: frame-reader.ts (chunks to frames), frame-writer.ts (frames to
 * output), flow-control.ts (windows, send queue, stalls), paused-input.ts, header-blocks.ts (HEADERS +
 * CONTINUATION, HPACK), peer-settings.ts, defences.ts. Roles subclass it with what differs.
 */
import type { Duplex } from "node:stream";
import { DEFAULT_WINDOW, ErrorCode, Flag, FrameType, MAX_WINDOW, PREFACE, Setting } from "./constants.js";
import { Defences } from "./defences.js";
import { FlowControl, type FlowHost } from "./flow-control.js";
import { FrameReader, type FrameSink } from "./frame-reader.js";
import { FrameWriter } from "./frame-writer.js";
import { HeaderBlocks, type HeaderBlockSink } from "./header-blocks.js";
import { applySettings } from "./peer-settings.js";
import { peerProtocolError } from "./protocol-error.js";
import type { StreamCore } from "./stream-core.js";
import { StreamTable } from "./stream-table.js";
import type { H2Tuning } from "./tuning.js";

const DESTROY_AFTER_END_MS = 2000;
const DEFAULT_HEADER_TABLE_SIZE = 4096;

/** How a connection ends; see H2Connection.closeConnection. */
export const enum Close {
  /** A protocol error found by us: GOAWAY with the code, flush, end the socket. */
  ProtocolError,
  /** Graceful: flush what is queued (a final GOAWAY), end the socket. */
  Graceful,
  /** At once, no GOAWAY: the peer does not read or is gone, a timeout, destroy(). */
  Abort,
  /** The peer ended its side: flush and end ours. */
  PeerEnded,
  /** The socket is closed: the last event of every connection. */
  SocketClosed,
}

export abstract class H2Connection<S extends StreamCore>
implements FrameSink, FlowHost<S>, HeaderBlockSink {
  readonly streams = new StreamTable<S>();
  readonly out = new FrameWriter();
  readonly flow: FlowControl<S>;
  protected readonly blocks: HeaderBlocks;
  private readonly reader: FrameReader;
  protected readonly defences: Defences;

  peerMaxConcurrent = Infinity;
  peerMaxHeaderListSize = Infinity;
  protected gotPeerSettings = false;
  /** Set by the peer's first SETTINGS: the flush that sends our ACK gives the output slab back (OutputBuffer.release). */
  private releaseOutputAfterWrite = false;
  private ourSettingsAcked = false;
  private flushScheduled = false;
  /**
   * Output bytes after which the chunk being parsed is interrupted by a write (tuning.earlyFlushBytes at the start of
   * each chunk, doubled by each early write): the first answers leave at once, later ones in fewer, larger writes.
   */
  private earlyFlushAt: number;
  /** No frames are read or written any more (connection error, socket gone). */
  dead = false;
  private socketClosed = false;
  private prefaceTimer: NodeJS.Timeout | null = null;
  private destroyTimer: NodeJS.Timeout | null = null;

  constructor(readonly socket: Duplex, readonly tuning: H2Tuning, readonly isServer: boolean) {
    this.flow = new FlowControl<S>(this, tuning);
    this.earlyFlushAt = tuning.earlyFlushBytes;
    this.blocks = new HeaderBlocks(this, tuning);
    this.reader = new FrameReader(this, isServer, tuning.maxFrameSize);
    this.defences = new Defences(tuning);
  }

  get encoder(): HeaderBlocks["encoder"] {
    return this.blocks.encoder;
  }

  /* ------------------------------------------------------------------ role hooks */

  abstract onHeaderBlock(sid: number, endStream: boolean, block: Uint8Array, start: number, end: number, badPriority: boolean): void;
  /** `debugData` is the GOAWAY's additional debug data, a view into the read buffer (copy it to keep it). */
  protected abstract onPeerGoaway(lastStreamId: number, code: number, debugData: Buffer): void;
  /** The socket is closed; called once, after every stream was terminated. */
  protected abstract onClosed(error: Error | undefined): void;
  /** Whether a stream id not in the map is idle (never opened) rather than closed. */
  protected abstract isIdle(streamId: number): boolean;
  /** Last peer-initiated stream id we processed, for GOAWAY. */
  protected abstract lastProcessedStreamId(): number;
  protected onPeerSettings(): void {}
  protected onPingAck(_payload: Buffer, _offset: number): void {}
  /** A PING (not an ACK) arrived and its ACK is queued: the server's keepalive enforcement counts these. */
  protected onPeerPing(): void {}
  protected reportError(_error: Error): void {}

  /* ------------------------------------------------------------------ stream frames (stream-connection.ts) */

  protected abstract onDataFrame(buf: Buffer, off: number, len: number, flags: number, sid: number): void;
  /** A large unpadded DATA frame arrives in pieces: its header (checked once), then each piece as it comes. */
  protected abstract onDataHeader(flags: number, sid: number, len: number): void;
  protected abstract onDataPayload(buf: Buffer, off: number, n: number, last: boolean): void;
  protected abstract onPriorityFrame(buf: Buffer, off: number, len: number, sid: number): void;
  protected abstract onRstStreamFrame(buf: Buffer, off: number, len: number, sid: number): void;
  protected abstract streamError(stream: S, code: number, message: string): void;
  /** Every stream ends with the connection (the error they see). */
  protected abstract terminateStreams(error: Error | undefined): void;
  abstract queueMoved(stream: S): void;
  abstract queueOverflow(stream: S): void;

  /* ------------------------------------------------------------------ setup */

  /** Attaches to the socket and queues the connection preface (client) and our SETTINGS. */
  protected start(settings: ReadonlyArray<readonly [number, number]>): void {
    const socket = this.socket;
    socket.on("data", this.onSocketData);
    socket.on("drain", this.onSocketDrain);
    socket.on("error", this.onSocketError);
    socket.on("end", this.onSocketEnd);
    socket.on("close", this.onSocketClosed);
    const out = this.out;
    if (!this.isServer) {
      out.ensure(PREFACE.length);
      out.bytes(PREFACE, 0, PREFACE.length);
    }
    out.settings(settings);
    const raise = this.tuning.connectionWindowSize - DEFAULT_WINDOW;
    if (raise > 0) {
      out.windowUpdate(0, raise);
      this.flow.connRecvWindow += raise;
    }
    if (this.isServer) {
      this.prefaceTimer = setTimeout(() => this.onPrefaceTimeout(), this.tuning.prefaceTimeoutMs);
      this.prefaceTimer.unref();
    }
    this.flushNow();
  }

  /** A new stream's id and windows. */
  protected initStream(stream: S, id: number): void {
    stream.id = id;
    stream.open();
    this.flow.initStream(stream);
  }

  /* ------------------------------------------------------------------ input */

  private readonly onSocketData = (chunk: Buffer | Uint8Array | string): void => {
    if (this.dead) return;
    const buf = typeof chunk === "string"
      ? Buffer.from(chunk, "latin1")
      : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.earlyFlushAt = this.tuning.earlyFlushBytes;
    try {
      this.reader.read(buf);
    } catch (err) {
      this.internalError(err); // a bug in the engine or a throwing hook: fail the connection, never the process
    }
    if (this.out.pending > 0) this.flushSoon();
  };

  onReadError(code: number, message: string): void {
    this.connectionError(code, message);
  }

  /** What may come next: CONTINUATION inside a header block, SETTINGS first. False after a connection error. */
  private frameAllowed(type: number, flags: number): boolean {
    if (this.blocks.expectingContinuation && type !== FrameType.CONTINUATION) {
      this.connectionError(ErrorCode.PROTOCOL_ERROR, "expected CONTINUATION");
      return false;
    }
    if (!this.gotPeerSettings && (type !== FrameType.SETTINGS || (flags & Flag.ACK) !== 0)) {
      this.connectionError(ErrorCode.PROTOCOL_ERROR, "the first frame must be SETTINGS");
      return false;
    }
    return true;
  }

  onDataStart(flags: number, sid: number, len: number): boolean {
    if (this.frameAllowed(FrameType.DATA, flags)) this.onDataHeader(flags, sid, len);
    return !this.dead;
  }

  onDataPiece(buf: Buffer, off: number, n: number, last: boolean): boolean {
    this.onDataPayload(buf, off, n, last);
    if (this.dead) return false;
    if (this.out.pending >= this.earlyFlushAt) this.flushEarly();
    return true;
  }

  onFrame(buf: Buffer, off: number, len: number, type: number, flags: number, sid: number): boolean {
    if (this.frameAllowed(type, flags)) {
      switch (type) {
        case FrameType.DATA: this.onDataFrame(buf, off, len, flags, sid); break;
        case FrameType.HEADERS: this.blocks.headers(buf, off, len, flags, sid); break;
        case FrameType.PRIORITY: this.onPriorityFrame(buf, off, len, sid); break;
        case FrameType.RST_STREAM: this.onRstStreamFrame(buf, off, len, sid); break;
        case FrameType.SETTINGS: this.onSettings(buf, off, len, flags, sid); break;
        case FrameType.PUSH_PROMISE:
          this.connectionError(ErrorCode.PROTOCOL_ERROR, "PUSH_PROMISE is not allowed (push is disabled)");
          break;
        case FrameType.PING: this.onPing(buf, off, len, flags, sid); break;
        case FrameType.GOAWAY: this.onGoaway(buf, off, len, sid); break;
        case FrameType.WINDOW_UPDATE: this.onWindowUpdate(buf, off, len, sid); break;
        case FrameType.CONTINUATION: this.blocks.continuation(buf, off, len, flags, sid); break;
        default:
          if (!this.takeIdle()) this.calm("too many frames of unknown type");
      }
    }
    if (this.dead) return false;
    if (this.out.pending >= this.earlyFlushAt) this.flushEarly();
    return true;
  }

  takeIdle(): boolean {
    return this.defences.idle.take();
  }

  private onSettings(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (sid !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "SETTINGS on a stream");
    if ((flags & Flag.ACK) !== 0) {
      if (len !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS ack with a payload");
      if (!this.ourSettingsAcked) {
        this.ourSettingsAcked = true;
        // Until this ACK the peer may still encode against the default 4096-octet table (RFC 7541 4.2): a smaller
        // HEADER_TABLE_SIZE of ours is enforced only from now on.
        if (this.tuning.headerTableSize < DEFAULT_HEADER_TABLE_SIZE) this.blocks.decoder.setMaxTableSize(this.tuning.headerTableSize);
      }
      return;
    }
    if (len % 6 !== 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6");
    if (!this.defences.control.take()) return this.calm("too many SETTINGS frames");
    const windowBefore = this.flow.peerInitialWindow;
    const failure = applySettings(this, buf, off, len);
    if (failure !== null) return this.connectionError(failure.code, failure.message);
    this.out.settingsAck();
    this.flushSoon();
    if (!this.gotPeerSettings) {
      this.gotPeerSettings = true;
      // The handshake's output is all there is for a connection that stays idle (a pool's spare, a client that
      // connects early): it should hold no output slab meanwhile.
      this.releaseOutputAfterWrite = true;
      this.clearPrefaceTimer();
    }
    if (this.flow.peerInitialWindow > windowBefore && this.flow.blockedStreams.length > 0) this.flow.moveQueuedData();
    this.onPeerSettings();
  }

  openStreams(): S[] {
    return this.streams.list();
  }

  private onPing(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    if (sid !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "PING on a stream");
    if (len !== 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "PING frame must be 8 bytes");
    if ((flags & Flag.ACK) !== 0) return this.onPingAck(buf, off);
    if (!this.defences.control.take()) return this.calm("too many PING frames");
    this.out.pingAck(buf, off);
    this.flushSoon();
    this.onPeerPing();
  }

  private onGoaway(buf: Buffer, off: number, len: number, sid: number): void {
    if (sid !== 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "GOAWAY on a stream");
    if (len < 8) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "GOAWAY frame too short");
    this.onPeerGoaway(buf.readUInt32BE(off) & 0x7fffffff, buf.readUInt32BE(off + 4), buf.subarray(off + 8, off + len));
  }

  private onWindowUpdate(buf: Buffer, off: number, len: number, sid: number): void {
    if (len !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "WINDOW_UPDATE frame must be 4 bytes");
    const inc = buf.readUInt32BE(off) & 0x7fffffff;
    const flow = this.flow;
    if (sid === 0) {
      if (inc === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "WINDOW_UPDATE of 0");
      flow.connSendWindow += inc;
      if (flow.connSendWindow > MAX_WINDOW) return this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window overflow");
      flow.progress();
      if (flow.blockedStreams.length > 0) flow.moveQueuedData();
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
    if (stream.queue !== null) flow.moveQueuedData();
  }

  /* ------------------------------------------------------------------ output */

  flushSoon(): void {
    if (!this.flushScheduled && !this.socketClosed && this.out.pending > 0) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
  }

  /** Mid-chunk write of what is produced so far (see H2Tuning.earlyFlushBytes); the scheduled flush does the rest. */
  private flushEarly(): void {
    const flow = this.flow;
    if (flow.outputBlocked || this.socketClosed) return;
    this.writeOut();
    this.earlyFlushAt *= 2;
    // Answers made while one big chunk is parsed must stop at the high-water mark too: otherwise a peer that grants
    // large windows but reads slowly (gRPC C-core under 1,000 concurrent large calls) fills the socket past the hard
    // cap within one chunk, and the connection is closed as not reading although it is.
    if (this.socket.writableLength > this.tuning.outputHighWaterBytes) {
      flow.outputBlocked = true;
      flow.armStall();
    }
  }

  /** Hands the output to the socket: one write, or one corked batch (a writev) when payloads were attached. */
  private writeOut(): void {
    const socket = this.socket;
    const pieces = this.out.takePieces();
    if (pieces === null) {
      const chunk = this.out.take();
      if (chunk !== null) socket.write(chunk);
    } else {
      const corks = typeof socket.cork === "function"; // any Duplex will do (tests use minimal ones)
      if (corks) socket.cork();
      for (let i = 0; i < pieces.length; i++) socket.write(pieces[i] as Uint8Array);
      if (corks) socket.uncork();
    }
    if (this.releaseOutputAfterWrite) {
      this.releaseOutputAfterWrite = false;
      this.out.release();
    }
  }

  /** One socket write of everything produced since the last flush; then more queued DATA if the socket takes it. */
  protected readonly flushNow = (): void => {
    this.flushScheduled = false;
    if (this.socketClosed) return;
    const socket = this.socket;
    const flow = this.flow;
    for (let round = 0; round < 64; round++) {
      this.writeOut();
      const waiting = socket.writableLength;
      if (waiting > this.tuning.outputHighWaterBytes) {
        flow.outputBlocked = true;
        if (waiting > this.tuning.outputHardCapBytes) return this.closeConnection(Close.Abort, new Error(`peer is not reading: ${waiting} bytes waiting`));
        flow.armStall();
        return;
      }
      flow.outputBlocked = false;
      if (this.dead || flow.blockedStreams.length === 0 || !flow.moveQueuedData()) return;
    }
    this.flushSoon();
  };

  private readonly onSocketDrain = (): void => {
    const flow = this.flow;
    flow.progress();
    flow.outputBlocked = false;
    if (flow.blockedStreams.length > 0) flow.moveQueuedData();
    this.flushSoon();
  };

  stalled(error: Error): void {
    this.closeConnection(Close.Abort, error);
  }

  /* ------------------------------------------------------------------ the connection ending */

  protected calm(message: string): void {
    this.connectionError(ErrorCode.ENHANCE_YOUR_CALM, message);
  }

  protected internalError(err: unknown): void {
    this.connectionError(ErrorCode.INTERNAL_ERROR, `internal error: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** A connection error (RFC 9113 5.4.1): GOAWAY with the code, every stream terminated, the socket ended. */
  connectionError(code: number, message: string): void {
    this.closeConnection(Close.ProtocolError, peerProtocolError(message, code), code);
  }

  /**
   * Every way a connection ends. The first call stops reading and writing frames, terminates every stream with
   * `error` (callers map a failed connection to UNAVAILABLE) and reports it; then the socket is ended after a flush
   * (ProtocolError with a GOAWAY first, Graceful, PeerEnded) or destroyed (Abort). SocketClosed comes last, once.
   */
  protected closeConnection(how: Close, error?: Error, goawayCode: number = ErrorCode.NO_ERROR): void {
    const first = !this.dead;
    if (!first && (how === Close.ProtocolError || how === Close.Graceful)) return;
    let streamsSee = error;
    if (first) {
      this.dead = true;
      if (how === Close.ProtocolError) {
        this.blocks.abandon();
        this.out.goaway(this.lastProcessedStreamId(), goawayCode, error?.message ?? "");
      }
      this.flow.stop();
      this.clearPrefaceTimer();
      if (how === Close.PeerEnded) streamsSee = new Error("peer closed the connection");
      else if (how === Close.SocketClosed) streamsSee = new Error("connection closed");
      this.terminateStreams(streamsSee);
      if (error !== undefined) this.reportError(error);
    }
    switch (how) {
      case Close.SocketClosed:
        this.socketClosed = true;
        if (this.destroyTimer !== null) clearTimeout(this.destroyTimer);
        this.destroyTimer = null;
        this.onClosed(first ? streamsSee : undefined);
        return;
      case Close.Abort:
        this.socket.destroy();
        return;
      default:
        if (this.socketClosed) return;
        this.flushNow();
        this.socket.end();
        if (how !== Close.PeerEnded && this.destroyTimer === null) {
          // A peer that never closes its side does not keep the socket forever.
          this.destroyTimer = setTimeout(() => this.socket.destroy(), DESTROY_AFTER_END_MS);
          this.destroyTimer.unref();
        }
    }
  }

  private clearPrefaceTimer(): void {
    if (this.prefaceTimer !== null) clearTimeout(this.prefaceTimer);
    this.prefaceTimer = null;
  }

  /** Methods rather than bound fields where only a timer calls them: an idle connection keeps no closure for them. */
  private onPrefaceTimeout(): void {
    this.prefaceTimer = null;
    if (!this.gotPeerSettings) this.closeConnection(Close.Abort, new Error("no HTTP/2 preface within the timeout"));
  }

  private readonly onSocketError = (err: Error): void => this.closeConnection(Close.Abort, err);
  private readonly onSocketEnd = (): void => this.closeConnection(Close.PeerEnded);
  private readonly onSocketClosed = (): void => this.closeConnection(Close.SocketClosed);
}
