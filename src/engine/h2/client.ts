/**
 * The client role: gRPC calls as HTTP/2 streams on one connection, the server's MAX_CONCURRENT_STREAMS respected
 * (calls beyond it wait in a local queue), responses reported through ClientStreamHandler callbacks, GOAWAY
 * turning unprocessed calls into REFUSED_STREAM so the caller can retry them elsewhere.
 */
import type { Duplex } from "node:stream";
import type { Metadata } from "../../protocol/metadata.js";
import type { ClientEngineOptions, ClientSession, ClientSessionEvents, ClientStream, ClientStreamHandler } from "../types.js";
import { H2ClientStream } from "./client-stream.js";
import { DEFAULT_MAX_FRAME_SIZE, ErrorCode, MAX_STREAM_ID, Setting } from "./constants.js";
import { Close } from "./connection.js";
import { queueLevel, queueOn, QueueLevel } from "./flow-control.js";
import { pushMetadata } from "./header-fields.js";
import { PendingPings } from "./pending-pings.js";
import { peerProtocolError } from "./protocol-error.js";
import { H2StreamConnection } from "./stream-connection.js";
import { StreamState } from "./stream-state.js";
import type { H2Tuning } from "./tuning.js";

const FIXED_REQUEST_FIELDS = 6;
/** Streams opened before the server's SETTINGS arrive: RFC 9113 5.1.2 recommends servers allow at least 100. */
const STREAMS_BEFORE_SETTINGS = 100;
/** High word of our keepalive PING payloads ("fgka"); the low word numbers them. */
const PING_HI = 0x66676b61;

export class ClientConnection extends H2StreamConnection<H2ClientStream> implements ClientSession {
  private nextStreamId = 1;
  private readonly waitingStreams: H2ClientStream[] = [];
  private goneAway = false;
  private closing = false;
  private closeError: Error | undefined;
  /** The request header list; the first six entries are fixed, :path is replaced per call. */
  private readonly requestFields: Array<readonly [string, string]>;
  /** PINGs sent by ping() and not yet acknowledged, by the low word of their payload. */
  private readonly pings = new PendingPings((err) => this.reportError(err));

  constructor(
    socket: Duplex,
    options: ClientEngineOptions,
    private readonly events: ClientSessionEvents,
    tuning: H2Tuning,
  ) {
    super(socket, tuning, false);
    this.requestFields = [
      [":method", "POST"],
      [":scheme", options.secure === true ? "https" : "http"],
      [":path", "/"],
      [":authority", options.authority],
      ["content-type", "application/grpc"],
      ["te", "trailers"],
    ];
    this.start([
      [Setting.ENABLE_PUSH, 0],
      [Setting.INITIAL_WINDOW_SIZE, tuning.initialWindowSize],
      [Setting.MAX_HEADER_LIST_SIZE, tuning.maxHeaderListSize],
      ...(tuning.headerTableSize !== 4096 ? [[Setting.HEADER_TABLE_SIZE, tuning.headerTableSize] as const] : []),
      ...(tuning.maxFrameSize !== DEFAULT_MAX_FRAME_SIZE ? [[Setting.MAX_FRAME_SIZE, tuning.maxFrameSize] as const] : []),
    ]);
  }

  /* ------------------------------------------------------------------ ClientSession */

  get activeStreams(): number {
    return this.streams.size + this.waitingStreams.length;
  }

  get maxConcurrentStreams(): number {
    return this.peerMaxConcurrent;
  }

  get usable(): boolean {
    return !this.dead && !this.goneAway && !this.closing && this.nextStreamId <= MAX_STREAM_ID;
  }

  request(path: string, headers: Metadata, handler: ClientStreamHandler): ClientStream {
    const stream = new H2ClientStream(this, path, headers, handler);
    if (!this.usable) {
      stream.close();
      queueMicrotask(() => this.notifyClose(stream, ErrorCode.REFUSED_STREAM, new Error("HTTP/2 session is not usable")));
      return stream;
    }
    if (this.waitingStreams.length === 0 && this.streams.size < this.streamLimit()) {
      this.open(stream);
    } else {
      this.waitingStreams.push(stream); // Idle: its messages wait in its queue until it opens

    }
    return stream;
  }

  close(): void {
    if (this.closing || this.dead) return;
    this.closing = true;
    this.maybeFinish();
  }

  destroy(error?: Error): void {
    const err = error ?? new Error("HTTP/2 session destroyed");
    this.closeError ??= err;
    this.failWaiting(null, err);
    this.closeConnection(Close.Abort, err);
  }

  /* ------------------------------------------------------------------ streams */

  private streamLimit(): number {
    return this.gotPeerSettings ? this.peerMaxConcurrent : Math.min(this.peerMaxConcurrent, STREAMS_BEFORE_SETTINGS);
  }

  private open(stream: H2ClientStream): void {
    const fields = this.requestFields;
    fields[2] = [":path", stream.path];
    fields.length = FIXED_REQUEST_FIELDS;
    pushMetadata(fields, stream.headers);
    const block = this.blocks.encode(fields);
    if (block === null) {
      stream.close();
      queueMicrotask(() => this.notifyClose(stream, null, new Error("request metadata cannot be encoded (not latin1)")));
      return;
    }
    const id = this.nextStreamId;
    this.nextStreamId += 2;
    this.initStream(stream, id);
    this.streams.set(id, stream);
    this.writeHeaderBlock(id, block, false);
    // Messages sent while the call waited for a slot.
    const queue = stream.queue;
    const end = stream.queueEnd;
    if (queue !== null || end) {
      stream.queue = null;
      stream.queuedBytes = 0;
      stream.queueEnd = false;
      if (queue === null) this.sendData(stream, new Uint8Array(0), true);
      else for (let i = 0; i < queue.length; i++) this.sendData(stream, queue[i] as Uint8Array, end && i === queue.length - 1);
      if (!stream.done) this.queueMoved(stream); // a caller told to wait while the call had no slot may go on
    }
  }

  /** False when the stream's queue is above the soft limit: the caller waits for onDrain. */
  send(stream: H2ClientStream, frame: Uint8Array, end: boolean): boolean {
    if (stream.done || stream.endSent || stream.queueEnd) return false;
    if (stream.state !== StreamState.Idle) return this.sendData(stream, frame, end);
    queueOn(stream, frame, end);
    const level = queueLevel(stream, this.tuning);
    if (level === QueueLevel.Overflow) {
      this.dropWaiting(stream);
      queueMicrotask(() => this.notifyClose(stream, null, new Error("send queue overflow: the caller ignored backpressure")));
    }
    return level === QueueLevel.Ok;
  }

  pauseInput(stream: H2ClientStream): void {
    if (!stream.closeNotified) this.pauseStream(stream);
  }

  resumeInput(stream: H2ClientStream): void {
    this.resumeStream(stream);
  }

  private dropWaiting(stream: H2ClientStream): void {
    const i = this.waitingStreams.indexOf(stream);
    if (i >= 0) this.waitingStreams.splice(i, 1);
    stream.close();
    stream.queue = null;
    stream.queuedBytes = 0;
  }

  cancel(stream: H2ClientStream): void {
    stream.dropHeld();
    if (stream.done) {
      // A complete response still held for a paused reader: nothing goes on the wire, the call just ends.
      this.removeStream(stream);
      if (!stream.closeNotified) queueMicrotask(() => this.notifyClose(stream, ErrorCode.CANCEL));
      return;
    }
    if (stream.state === StreamState.Idle) {
      this.dropWaiting(stream);
    } else {
      this.writeRst(stream.id, ErrorCode.CANCEL);
      this.removeStream(stream);
    }
    queueMicrotask(() => this.notifyClose(stream, ErrorCode.CANCEL));
  }

  private notifyClose(stream: H2ClientStream, code: number | null, error?: Error): void {
    if (stream.closeNotified) return;
    stream.closeNotified = true;
    try {
      stream.handler.onClose(code, error);
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** The response is complete: the stream closes (a request still being sent is abandoned). */
  private finishStream(stream: H2ClientStream): void {
    if (this.isListed(stream)) {
      if (!stream.endSent) this.writeRst(stream.id, ErrorCode.NO_ERROR);
      this.removeStream(stream);
    }
    this.notifyClose(stream, null);
  }

  deliverHeldEnd(stream: H2ClientStream): void {
    if (stream.closeNotified) return;
    const input = stream.input;
    const trailers = input === null ? null : input.trailers;
    if (input !== null) input.trailers = null;
    if (trailers !== null) {
      try {
        stream.handler.onTrailers(trailers);
      } catch (err) {
        return this.handlerFailed(stream, err);
      }
    }
    this.finishStream(stream);
  }

  protected override onStreamRemoved(): void {
    const waiting = this.waitingStreams;
    while (waiting.length > 0 && this.streams.size < this.streamLimit() && !this.dead && !this.goneAway) {
      if (this.nextStreamId > MAX_STREAM_ID) {
        this.failWaiting(ErrorCode.REFUSED_STREAM, new Error("stream ids exhausted on this HTTP/2 session"));
        break;
      }
      this.open(waiting.shift() as H2ClientStream);
    }
    this.events.onStreamClosed?.();
    this.maybeFinish();
  }

  protected override onPeerSettings(): void {
    if (this.waitingStreams.length > 0) this.onStreamRemoved();
    try {
      this.events.onRemoteSettings?.();
    } catch (err) {
      this.reportError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /* ------------------------------------------------------------------ keepalive */

  /** Sends a PING; `callback` runs on its ACK, or with an error if the session closes first. False if not sent. */
  ping(callback: (error: Error | null) => void): boolean {
    if (this.dead) return false;
    const id = this.pings.add(callback);
    if (id < 0) return false;
    this.writePing(false, PING_HI, id);
    return true;
  }

  protected override onPingAck(payload: Buffer, off: number): void {
    if (payload.readUInt32BE(off) === PING_HI) this.pings.acked(payload.readUInt32BE(off + 4));
  }

  private failWaiting(code: number | null, error: Error): void {
    const waiting = this.waitingStreams.splice(0);
    for (const stream of waiting) {
      stream.close();
      this.notifyClose(stream, code, error);
    }
  }

  private maybeFinish(): void {
    if (this.dead || this.streams.size > 0 || this.waitingStreams.length > 0) return;
    if (this.closing) {
      this.writeGoaway(0, ErrorCode.NO_ERROR, "");
      this.closeConnection(Close.Graceful);
    } else if (this.goneAway) {
      this.closeConnection(Close.Graceful);
    }
  }

  /* ------------------------------------------------------------------ responses */

  onHeaderBlock(
    sid: number, endStream: boolean, block: Uint8Array, start: number, end: number, badPriority: boolean,
  ): void {
    const stream = this.streams.get(sid);
    const trailers = stream?.headersReceived === true;
    if (!this.blocks.decode(trailers ? "trailers" : "response", block, start, end)) return;
    const collector = this.blocks.collector;
    if (stream === undefined) {
      if (this.isIdle(sid)) return this.connectionError(ErrorCode.PROTOCOL_ERROR, `HEADERS on idle stream ${sid}`);
      if (this.wasResetByUs(sid)) return;
      return this.connectionError(ErrorCode.STREAM_CLOSED, `HEADERS on closed stream ${sid}`);
    }
    if (collector.tooLarge && !stream.remoteEnded) {
      return this.streamError(stream, ErrorCode.PROTOCOL_ERROR,
        `response header list larger than ${this.tuning.maxHeaderListSize} bytes`);
    }
    if (trailers) return this.onTrailers(stream, endStream, badPriority);
    if (stream.remoteEnded) return this.streamError(stream, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
    if (badPriority) return this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
    if (collector.malformed !== null) return this.streamError(stream, ErrorCode.PROTOCOL_ERROR, collector.malformed);
    const statusText = collector.status;
    const status = statusText !== undefined && /^[1-9][0-9][0-9]$/.test(statusText) ? Number(statusText) : 0;
    if (status === 0) return this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "missing or invalid :status");
    if (status < 200) {
      if (endStream) return this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "END_STREAM on an informational response");
      return; // 1xx: the final response follows
    }
    stream.headersReceived = true;
    stream.contentLength = collector.contentLength;
    if (endStream && !this.acceptEndWithoutData(stream)) return;
    try {
      stream.handler.onHeaders(status, collector.toHeaderMap(), endStream);
    } catch (err) {
      return this.handlerFailed(stream, err);
    }
    if (endStream) this.finishStream(stream);
  }

  private onTrailers(stream: H2ClientStream, endStream: boolean, badPriority: boolean): void {
    if (!this.acceptTrailers(stream, endStream, badPriority)) return;
    const fields = this.blocks.collector.toHeaderMap();
    const input = stream.input;
    if (input !== null && input.held !== null) {
      // DATA is held for a paused reader: the trailers (and the end of the call) come after it.
      input.trailers = fields;
      input.heldEnd = true;
      return;
    }
    try {
      stream.handler.onTrailers(fields);
    } catch (err) {
      return this.handlerFailed(stream, err);
    }
    this.finishStream(stream);
  }

  deliverData(stream: H2ClientStream, data: Uint8Array | null, endStream: boolean): void {
    if (stream.closeNotified) return;
    if (!stream.headersReceived) {
      this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "DATA before response headers");
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
    // END_STREAM on DATA: the response ended without trailers; the gRPC layer reports the missing status.
    if (endStream) this.finishStream(stream);
  }

  protected handlerFailed(stream: H2ClientStream, err: unknown): void {
    this.reportError(err instanceof Error ? err : new Error(String(err)));
    if (!this.isListed(stream)) {
      stream.dropHeld();
      this.notifyClose(stream, ErrorCode.CANCEL, err instanceof Error ? err : new Error(String(err)));
      return;
    }
    this.streamError(stream, ErrorCode.CANCEL, "stream handler failed");
  }

  protected onStreamTerminated(stream: H2ClientStream, code: number | null, error: Error | undefined, byPeer: boolean): void {
    // The server closing a stream whose complete response is still held for a paused reader (RST_STREAM NO_ERROR
    // after END_STREAM, RFC 9113 8.1) does not cut that response short: it is delivered when the reader resumes.
    if (byPeer && code === ErrorCode.NO_ERROR && stream.input !== null && stream.input.heldEnd) return;
    stream.dropHeld();
    this.notifyClose(stream, code, error);
  }

  protected notifyDrain(stream: H2ClientStream): void {
    try {
      stream.handler.onDrain?.();
    } catch (err) {
      this.handlerFailed(stream, err);
    }
  }

  protected onPeerGoaway(lastStreamId: number, code: number, debugData: Buffer): void {
    const first = !this.goneAway;
    this.goneAway = true;
    if (code !== ErrorCode.NO_ERROR) this.closeError ??= peerProtocolError(`peer sent GOAWAY with code ${code}`, code);
    for (const stream of this.streams.list()) {
      if (stream.id > lastStreamId) {
        // Never processed by the server: safe to retry on another connection.
        this.removeStream(stream);
        this.notifyClose(stream, ErrorCode.REFUSED_STREAM, new Error("stream refused by GOAWAY"));
      }
    }
    this.failWaiting(ErrorCode.REFUSED_STREAM, new Error("HTTP/2 session received GOAWAY"));
    if (first) {
      try {
        this.events.onGoaway?.(code, debugData.toString("latin1"));
      } catch (err) {
        this.reportError(err instanceof Error ? err : new Error(String(err)));
      }
    }
    this.maybeFinish();
  }

  protected isIdle(sid: number): boolean {
    return (sid & 1) === 0 || sid >= this.nextStreamId;
  }

  protected lastProcessedStreamId(): number {
    return 0;
  }

  protected override reportError(error: Error): void {
    this.closeError ??= error;
  }

  protected onClosed(error: Error | undefined): void {
    this.failWaiting(ErrorCode.REFUSED_STREAM, error ?? new Error("HTTP/2 session closed"));
    this.pings.failAll(this.closeError ?? error ?? new Error("HTTP/2 session closed before the PING was answered"));
    try {
      this.events.onClose?.(this.closeError ?? error);
    } catch {
      // the owner's close handler failing must not escape the socket's close event
    }
  }
}
