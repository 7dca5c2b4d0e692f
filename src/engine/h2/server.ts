/**
 * The server role: request streams handed to the gRPC layer's dispatcher, responses written into the connection's
 * batched output (pre-encoded header blocks on the common path), and the two-phase graceful GOAWAY.
 */
import type { Duplex } from "node:stream";
import type { Metadata } from "../../protocol/metadata.js";
import { pushStatusFields } from "../../protocol/status-trailers.js";
import { sendInParts, type WireFrame } from "../../protocol/wire-frame.js";
import type { PeerInfo } from "../../transport/types.js";
import type { ManagedConnection, ManagedConnectionEvents, ServerEngineOptions, StreamDispatcher } from "../types.js";
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, MAX_STREAM_ID, Setting } from "./constants.js";
import { Close } from "./connection.js";
import { hasEntries, pushMetadata } from "./header-fields.js";
import { releaseHeldInput, RequestDrain } from "./request-drain.js";
import { type Fields, H2ServerStream, NOOP_HANDLER } from "./server-stream.js";
import { H2StreamConnection } from "./stream-connection.js";
import { PendingPings } from "./pending-pings.js";
import { RepeatedBlock } from "./repeated-block.js";
import type { H2Tuning } from "./tuning.js";

const RESPONSE_FIELDS: Fields = [[":status", "200"], ["content-type", "application/grpc"]];
const TRAILERS_OK_FIELDS: Fields = [["grpc-status", "0"]];
const SHUTDOWN_PING_HI = 0x66677270; // "fgrp"
const SHUTDOWN_PING_LO = 0x5348554e; // "SHUN"
const KEEPALIVE_PING_HI = 0x66676b73; // "fgks"

/** What a connection needs from the engine that accepted it (server-engine.ts). */
export interface ServerConnectionOwner {
  readonly dispatcher: StreamDispatcher;
  readonly options: ServerEngineOptions;
  connectionClosed(conn: ServerConnection): void;
}

export class ServerConnection extends H2StreamConnection<H2ServerStream> implements ManagedConnection {
  private lastPeerStreamId = 0;
  /** Connection management's events (keepalive, idle, age); null when the server has none: no cost per stream. */
  private managed: ManagedConnectionEvents | null = null;
  private pings: PendingPings | null = null;
  /** The response headers and OK trailers without metadata, kept as indexed blocks; made at the first response. */
  private responseHeaders: RepeatedBlock | null = null;
  private okTrailers: RepeatedBlock | null = null;
  /** 0: serving; 1: first GOAWAY and PING sent; 2: final GOAWAY sent. */
  private goawayState = 0;
  private goawayLastId = MAX_STREAM_ID;
  private peerWentAway = false;
  private shutdownTimer: NodeJS.Timeout | null = null;

  constructor(
    socket: Duplex,
    readonly peer: PeerInfo,
    private readonly engine: ServerConnectionOwner,
    tuning: H2Tuning,
  ) {
    super(socket, tuning, true);
    this.start([
      [Setting.MAX_CONCURRENT_STREAMS, tuning.maxConcurrentStreams],
      [Setting.INITIAL_WINDOW_SIZE, tuning.initialWindowSize],
      [Setting.MAX_HEADER_LIST_SIZE, tuning.maxHeaderListSize],
      ...(tuning.headerTableSize !== 4096 ? [[Setting.HEADER_TABLE_SIZE, tuning.headerTableSize] as const] : []),
      ...(tuning.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE ? [[Setting.MAX_FRAME_SIZE, tuning.maxFrameSize] as const] : []),
    ]);
    const manage = engine.options.manageConnection;
    if (manage !== undefined && !this.dead) this.managed = manage(this, peer);
  }

  /* ------------------------------------------------------------------ connection management (ManagedConnection) */

  get activeStreams(): number {
    return this.streams.size;
  }

  ping(callback: (error: Error | null) => void): boolean {
    if (this.dead) return false;
    this.pings ??= new PendingPings((err) => this.reportError(err));
    const id = this.pings.add(callback);
    if (id < 0) return false;
    this.writePing(false, KEEPALIVE_PING_HI, id);
    return true;
  }

  goawayGracefully(): void {
    this.beginShutdown();
  }

  goawayAndClose(code: number, debugData: string): void {
    this.closeConnection(Close.ProtocolError, new Error(debugData), code);
  }

  protected override onPeerPing(): void {
    this.managed?.onPing?.();
  }

  /* ------------------------------------------------------------------ requests */

  onHeaderBlock(
    sid: number, endStream: boolean, block: Uint8Array, start: number, end: number, badPriority: boolean,
  ): void {
    const existing = this.streams.get(sid);
    if (existing !== undefined) {
      if (!this.blocks.decode("trailers", block, start, end)) return;
      if (!this.acceptTrailers(existing, endStream, badPriority)) return;
      if (existing.input !== null && existing.input.held !== null) existing.input.heldEnd = true; // after held DATA
      else this.deliverEnd(existing);
      return;
    }
    if (!this.blocks.decode("request", block, start, end)) return;
    const collector = this.blocks.collector;
    if ((sid & 1) === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, `client opened even stream ${sid}`);
    if (sid <= this.lastPeerStreamId) {
      if (this.wasResetByUs(sid)) return;
      if (this.closedLately(sid)) return this.connectionError(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${sid}`);
      return this.connectionError(ErrorCode.PROTOCOL_ERROR, `stream id ${sid} is not greater than ${this.lastPeerStreamId}`);
    }
    this.lastPeerStreamId = sid;
    if (this.goawayState === 2 && sid > this.goawayLastId) return this.ignoreStream(sid); // after our final GOAWAY
    if (badPriority) return this.writeRst(sid, ErrorCode.PROTOCOL_ERROR);
    collector.checkRequest();
    if (collector.malformed !== null) return this.writeRst(sid, ErrorCode.PROTOCOL_ERROR);
    if (this.streams.size >= this.tuning.maxConcurrentStreams) return this.writeRst(sid, ErrorCode.REFUSED_STREAM);
    const stream = new H2ServerStream(this, collector.path ?? "", collector.takeFields());
    this.initStream(stream, sid);
    stream.contentLength = collector.contentLength;
    this.streams.set(sid, stream);
    this.managed?.onStreamOpened?.();
    if (collector.tooLarge) {
      // The block was decoded (the HPACK state is intact) but its fields were dropped: refuse this call only.
      if (endStream) stream.endRemote();
      stream.sendHttpError(431, 8 /* RESOURCE_EXHAUSTED */, "request header list too large");
      return;
    }
    try {
      stream.handler = this.engine.dispatcher.onStream(stream);
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
      this.streamError(stream, ErrorCode.INTERNAL_ERROR, "dispatcher failed");
      return;
    }
    if (endStream && !stream.done && this.acceptEndWithoutData(stream)) this.deliverEnd(stream);
  }

  deliverData(stream: H2ServerStream, data: Uint8Array | null, endStream: boolean): void {
    if (stream.endSent) { // answered (the rest of the request is discarded) or reset since
      const drain = stream.drain;
      if (drain !== null && (endStream || drain.discard(data))) this.endDrain(stream, !endStream);
      return;
    }
    if (data !== null) {
      try {
        stream.handler.onData(data);
      } catch (err) {
        this.handlerFailed(stream, err);
        return;
      }
    }
    if (endStream && !stream.done) this.deliverEnd(stream);
  }

  pauseInput(stream: H2ServerStream): void {
    if (!stream.endSent) this.pauseStream(stream);
  }

  resumeInput(stream: H2ServerStream): void {
    this.resumeStream(stream);
  }

  deliverHeldEnd(stream: H2ServerStream): void {
    if (!stream.done) this.deliverEnd(stream);
  }

  private deliverEnd(stream: H2ServerStream): void {
    if (stream.drain !== null) return this.endDrain(stream, false);
    try {
      stream.handler.onEnd();
    } catch (err) {
      this.handlerFailed(stream, err);
      return;
    }
  }

  protected handlerFailed(stream: H2ServerStream, err: unknown): void {
    this.reportError(err instanceof Error ? err : new Error(String(err)));
    this.streamError(stream, ErrorCode.INTERNAL_ERROR, "stream handler failed");
  }

  protected onStreamTerminated(stream: H2ServerStream, _code: number | null, _error: Error | undefined): void {
    stream.dropHeld();
    stream.finished = true;
    try {
      stream.handler.onCancel();
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  protected isIdle(sid: number): boolean {
    return (sid & 1) === 0 || sid > this.lastPeerStreamId;
  }

  protected lastProcessedStreamId(): number {
    return this.lastPeerStreamId;
  }

  /* ------------------------------------------------------------------ responses */

  writeResponseHeaders(stream: H2ServerStream, metadata: Metadata | undefined): void {
    if (this.dead) return;
    let block: Uint8Array | null;
    if (hasEntries(metadata)) {
      const fields: Fields = [...RESPONSE_FIELDS];
      pushMetadata(fields, metadata);
      block = this.blocks.encode(fields);
    } else {
      block = (this.responseHeaders ??= new RepeatedBlock(RESPONSE_FIELDS)).take(this.blocks);
    }
    if (block === null) return this.unencodable(stream);
    this.writeHeaderBlock(stream.id, block, false);
  }

  sendMessageOn(stream: H2ServerStream, frame: WireFrame): boolean {
    if (frame instanceof Uint8Array) return this.sendData(stream, frame, false);
    return sendInParts(frame, false, (data, end) => this.sendData(stream, data, end));
  }

  writeTrailers(stream: H2ServerStream, code: number, message: string, metadata: Metadata | undefined): void {
    if (this.dead) return;
    let fields: Fields;
    if (!stream.headersSent) {
      // Trailers-only response.
      stream.headersSent = true;
      fields = [...RESPONSE_FIELDS];
    } else if (code === 0 && message === "" && !hasEntries(metadata)) {
      fields = TRAILERS_OK_FIELDS;
    } else {
      fields = [];
    }
    if (fields !== TRAILERS_OK_FIELDS) {
      pushStatusFields(fields, code, message);
      pushMetadata(fields, metadata);
    }
    if (stream.queue !== null) {
      // DATA is waiting for window: the trailers go after it, encoded when they are written (a block encoded now
      // could refer to table entries that change before then).
      stream.pendingTrailerFields = fields;
      return;
    }
    this.writeFinalHeaders(stream, fields);
  }

  writeFinalHeaders(stream: H2ServerStream, fields: Fields): void {
    if (this.dead) return;
    const bytes = fields === TRAILERS_OK_FIELDS
      ? (this.okTrailers ??= new RepeatedBlock(TRAILERS_OK_FIELDS)).take(this.blocks)
      : this.blocks.encode(fields);
    if (bytes === null) return this.unencodable(stream);
    this.writeHeaderBlock(stream.id, bytes, true);
    this.responseComplete(stream);
  }

  /** Metadata the encoder refused (not latin1): the stream is reset, the client sees INTERNAL_ERROR. */
  private unencodable(stream: H2ServerStream): void {
    stream.finished = true;
    this.streamError(stream, ErrorCode.INTERNAL_ERROR, "response metadata cannot be encoded");
  }

  private responseComplete(stream: H2ServerStream): void {
    if (stream.done) return;
    stream.endLocal();
    // Answered early: the rest of the request is read and discarded (request-drain.ts); with no bound for that, the
    // peer is told to stop at once (RFC 9113 8.1).
    if (!stream.remoteEnded && this.tuning.earlyAnswerDrainBytes > 0) return this.startDrain(stream);
    if (!stream.remoteEnded) this.writeRst(stream.id, ErrorCode.NO_ERROR);
    this.removeStream(stream);
  }

  private startDrain(stream: H2ServerStream): void {
    stream.handler = NOOP_HANDLER; // the call is over for the gRPC layer
    releaseHeldInput(stream);
    const { earlyAnswerDrainBytes: bytes, earlyAnswerDrainMs: ms } = this.tuning;
    stream.drain = new RequestDrain(bytes, ms, () => this.endDrain(stream, true));
    this.flow.grantStreamWindow(stream);
  }

  /** The discarded request ended (closed quietly), or went past the bound in bytes or time (reset NO_ERROR). */
  private endDrain(stream: H2ServerStream, reset: boolean): void {
    if (!this.isListed(stream) || this.dead) return;
    if (reset) this.writeRst(stream.id, ErrorCode.NO_ERROR);
    this.removeStream(stream);
  }

  protected override onQueueProgress(stream: H2ServerStream): void {
    if (stream.queue === null && stream.pendingTrailerFields !== null) {
      const fields = stream.pendingTrailerFields;
      stream.pendingTrailerFields = null;
      this.writeFinalHeaders(stream, fields);
    }
  }

  protected notifyDrain(stream: H2ServerStream): void {
    try {
      stream.handler.onDrain?.();
    } catch (err) {
      this.handlerFailed(stream, err);
    }
  }

  protected override onStreamRemoved(stream: H2ServerStream): void {
    stream.dropHeld(); // the response is complete: requests the handler did not read are of no use
    if (stream.drain !== null) stream.drain.stop();
    this.managed?.onStreamClosed?.();
    if ((this.goawayState === 2 || this.peerWentAway) && this.streams.size === 0) this.closeGracefully();
  }

  /* ------------------------------------------------------------------ shutdown */

  /** Phase one: GOAWAY(2^31-1) and a PING; phase two (on the PING ack) announces the real last stream id. */
  beginShutdown(): void {
    if (this.goawayState !== 0 || this.dead) return;
    this.goawayState = 1;
    this.writeGoaway(MAX_STREAM_ID, ErrorCode.NO_ERROR, "server shutting down");
    this.writePing(false, SHUTDOWN_PING_HI, SHUTDOWN_PING_LO);
    this.shutdownTimer = setTimeout(() => this.finalGoaway(), this.tuning.shutdownPingTimeoutMs);
    this.shutdownTimer.unref();
  }

  protected override onPingAck(payload: Buffer, off: number): void {
    if (this.goawayState === 1 && payload.readUInt32BE(off) === SHUTDOWN_PING_HI
      && payload.readUInt32BE(off + 4) === SHUTDOWN_PING_LO) {
      this.finalGoaway();
    } else if (this.pings !== null && payload.readUInt32BE(off) === KEEPALIVE_PING_HI) {
      this.pings.acked(payload.readUInt32BE(off + 4));
    }
  }

  private finalGoaway(): void {
    if (this.shutdownTimer !== null) clearTimeout(this.shutdownTimer);
    this.shutdownTimer = null;
    if (this.goawayState !== 1 || this.dead) return;
    this.goawayState = 2;
    this.goawayLastId = this.lastPeerStreamId;
    this.writeGoaway(this.goawayLastId, ErrorCode.NO_ERROR, "");
    if (this.streams.size === 0) this.closeGracefully();
  }

  private closeGracefully(): void {
    this.closeConnection(Close.Graceful);
  }

  protected onPeerGoaway(): void {
    this.peerWentAway = true;
    if (this.streams.size === 0) this.closeGracefully();
  }

  /** Immediate close (shutdown grace period over). */
  destroy(error: Error): void {
    this.closeConnection(Close.Abort, error);
  }

  protected override reportError(error: Error): void {
    const report = this.engine.options.onConnectionError;
    if (report === undefined) return;
    try {
      report(error, this.peer);
    } catch {
      // a failing logger must not break the connection
    }
  }

  protected onClosed(error: Error | undefined): void {
    if (this.shutdownTimer !== null) clearTimeout(this.shutdownTimer);
    this.shutdownTimer = null;
    this.pings?.failAll(error ?? new Error("HTTP/2 connection closed before the PING was answered"));
    if (this.managed !== null) {
      const events = this.managed;
      this.managed = null;
      events.onClose?.();
    }
    this.engine.connectionClosed(this);
  }
}
