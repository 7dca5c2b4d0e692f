/**
 * What HTTP/2 connections do with streams, for both roles: DATA (flow control, content-length, paused input),
 * PRIORITY and RST_STREAM, the header-block rules both roles share, and streams ending (reset, error, closed with
 * the connection). Roles (server.ts, client.ts) subclass it with what differs.
 */
import { ErrorCode, Flag } from "./constants.js";
import { H2Connection } from "./connection.js";
import { holdIfPaused, pauseInput, resumeInput, type InputHost } from "./paused-input.js";
import { peerProtocolError } from "./protocol-error.js";
import type { StreamCore } from "./stream-core.js";

export abstract class H2StreamConnection<S extends StreamCore> extends H2Connection<S> implements InputHost<S> {
  /** DATA for an open stream (`data` null for an empty frame); the remote end is already recorded when `endStream`. */
  abstract deliverData(stream: S, data: Uint8Array | null, endStream: boolean): void;
  /** The peer's end of stream that waited behind held DATA, now that all of it is delivered. */
  abstract deliverHeldEnd(stream: S): void;
  /**
   * The stream ended abnormally and is already removed: reset by the peer (`byPeer`), by us after a stream error,
   * or because the connection died. Called once per stream.
   */
  protected abstract onStreamTerminated(stream: S, code: number | null, error: Error | undefined, byPeer: boolean): void;
  /** Queued DATA moved out: the server writes trailers that waited for it. */
  protected onQueueProgress(_stream: S): void {}
  /** The owner may send again (the queue fell below the soft limit). */
  protected abstract notifyDrain(stream: S): void;
  /** The owner's callback threw. */
  protected abstract handlerFailed(stream: S, err: unknown): void;
  /** Bookkeeping hook for the roles (open-stream counts, pending client streams). */
  protected onStreamRemoved(_stream: S): void {}

  /* ------------------------------------------------------------------ frames the roles write */

  protected writeHeaderBlock(sid: number, block: Uint8Array, endStream: boolean): void {
    this.out.headerBlock(sid, block, endStream, this.flow.peerMaxFrameSize);
    this.flushSoon();
  }

  protected writeRst(sid: number, code: number): void {
    this.out.rst(sid, code);
    this.defences.recentResets.add(sid);
    this.flushSoon();
  }

  protected writePing(ack: boolean, hi: number, lo: number): void {
    this.out.ping(ack, hi, lo);
    this.flushSoon();
  }

  protected writeGoaway(lastStreamId: number, code: number, debug: string): void {
    this.out.goaway(lastStreamId, code, debug);
    this.flushSoon();
  }

  /** Frames for this stream will be ignored from now on, as for one we reset. */
  protected ignoreStream(sid: number): void {
    this.defences.recentResets.add(sid);
  }

  protected wasResetByUs(sid: number): boolean {
    return this.defences.recentResets.has(sid);
  }

  protected closedLately(sid: number): boolean {
    return this.defences.recentClosed.has(sid);
  }

  /* ------------------------------------------------------------------ stream frames */

  /** The stream a DATA frame arriving in pieces feeds (null: its pieces are dropped), and whether it ends it. */
  private dataTarget: S | null = null;
  private dataEndsStream = false;

  protected onDataFrame(buf: Buffer, off: number, len: number, flags: number, sid: number): void {
    let start = off;
    let end = off + len;
    if ((flags & Flag.PADDED) !== 0) {
      if (len === 0) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "padded DATA without pad length");
      const pad = buf[off] as number;
      if (pad >= len) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "DATA padding exceeds the payload");
      start++;
      end -= pad;
    }
    const endStream = (flags & Flag.END_STREAM) !== 0;
    const stream = this.beginData(sid, len, end - start, endStream);
    if (stream !== null) this.dataPiece(stream, buf, start, end, endStream, len - (end - start));
  }

  protected onDataHeader(flags: number, sid: number, len: number): void {
    this.dataEndsStream = (flags & Flag.END_STREAM) !== 0;
    this.dataTarget = this.beginData(sid, len, len, this.dataEndsStream);
  }

  protected onDataPayload(buf: Buffer, off: number, n: number, last: boolean): void {
    const stream = this.dataTarget;
    if (last) this.dataTarget = null;
    if (stream !== null) this.dataPiece(stream, buf, off, off + n, last && this.dataEndsStream, 0);
  }

  /**
   * The checks of a DATA frame, made once from its header (a large frame arrives in pieces): windows, the stream,
   * the DATA rules. The stream to deliver to, or null (error, closed stream).
   */
  private beginData(sid: number, len: number, n: number, endStream: boolean): S | null {
    if (sid === 0) {
      this.connectionError(ErrorCode.PROTOCOL_ERROR, "DATA on stream 0");
      return null;
    }
    const flow = this.flow;
    if (!flow.takeConnectionWindow(len)) {
      this.connectionError(ErrorCode.FLOW_CONTROL_ERROR, "connection window exceeded");
      return null;
    }
    const stream = this.streams.get(sid);
    if (stream === undefined) {
      if (this.isIdle(sid)) {
        this.connectionError(ErrorCode.PROTOCOL_ERROR, `DATA on idle stream ${sid}`);
        return null;
      }
      flow.replenishConnection();
      if (!this.takeIdle()) this.calm("too many frames on closed streams");
      else if (!this.defences.recentResets.has(sid)) this.writeRst(sid, ErrorCode.STREAM_CLOSED);
      return null;
    }
    if (!this.acceptData(stream, len, n, endStream)) {
      flow.replenishConnection();
      return null;
    }
    return stream;
  }

  /** DATA payload bytes [start, end) for the stream (all of a frame, or a piece of it); `padding` bytes are consumed. */
  private dataPiece(stream: S, buf: Buffer, start: number, end: number, endStream: boolean, padding: number): void {
    const flow = this.flow;
    if (!stream.done) {
      if (endStream) stream.endRemote();
      if (holdIfPaused(stream, buf, start, end, endStream)) {
        stream.recvConsumed += padding; // the rest once delivered
      } else {
        stream.recvConsumed += end - start + padding;
        this.deliverData(stream, end > start ? buf.subarray(start, end) : null, endStream);
        if (!endStream) flow.grantStreamWindow(stream);
      }
    }
    flow.replenishConnection();
  }

  /** The DATA rules of RFC 9113 (5.1, 6.9.1, 8.1.1); false after a stream or connection error. */
  private acceptData(stream: S, len: number, n: number, endStream: boolean): boolean {
    if (stream.remoteEnded) return this.refuseData(stream, ErrorCode.STREAM_CLOSED, "DATA after END_STREAM");
    stream.recvWindow -= len;
    if (stream.recvWindow < 0) return this.refuseData(stream, ErrorCode.FLOW_CONTROL_ERROR, "stream window exceeded");
    if (n === 0 && !endStream && !this.takeIdle()) {
      this.calm("too many empty DATA frames");
      return false;
    }
    stream.receivedBytes += n;
    if (stream.contentLength >= 0 && (endStream ? stream.receivedBytes !== stream.contentLength
      : stream.receivedBytes > stream.contentLength)) {
      return this.refuseData(stream, ErrorCode.PROTOCOL_ERROR, "DATA does not match content-length");
    }
    return true;
  }

  private refuseData(stream: S, code: number, message: string): false {
    this.streamError(stream, code, message);
    return false;
  }

  protected onPriorityFrame(buf: Buffer, off: number, len: number, sid: number): void {
    if (sid === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "PRIORITY on stream 0");
    if (len !== 5) return this.streamErrorById(sid, ErrorCode.FRAME_SIZE_ERROR, "PRIORITY frame must be 5 bytes");
    if (!this.takeIdle()) return this.calm("too many PRIORITY frames");
    if ((buf.readUInt32BE(off) & 0x7fffffff) === sid) this.streamErrorById(sid, ErrorCode.PROTOCOL_ERROR, "stream depends on itself");
  }

  protected onRstStreamFrame(buf: Buffer, off: number, len: number, sid: number): void {
    if (sid === 0) return this.connectionError(ErrorCode.PROTOCOL_ERROR, "RST_STREAM on stream 0");
    if (len !== 4) return this.connectionError(ErrorCode.FRAME_SIZE_ERROR, "RST_STREAM frame must be 4 bytes");
    const stream = this.streams.get(sid);
    if (stream === undefined && this.isIdle(sid)) return this.connectionError(ErrorCode.PROTOCOL_ERROR, `RST_STREAM on idle stream ${sid}`);
    if (!this.defences.resets.take()) return this.calm("too many stream resets");
    if (stream === undefined) return;
    this.removeStream(stream);
    this.onStreamTerminated(stream, buf.readUInt32BE(off), undefined, true);
  }

  /* ------------------------------------------------------------------ message rules shared by both roles */

  /**
   * Trailers (a second header block) on a stream: they must end it, come before its end, be well-formed and close
   * a body that matches content-length. False after a stream error.
   */
  protected acceptTrailers(stream: S, endStream: boolean, badPriority: boolean): boolean {
    const malformed = this.blocks.collector.malformed ?? (badPriority ? "stream depends on itself" : null);
    const failure = stream.remoteEnded ? null
      : !endStream ? "trailers without END_STREAM"
      : malformed ?? (stream.contentLength >= 0 && stream.receivedBytes !== stream.contentLength
        ? "DATA does not match content-length" : null);
    if (stream.remoteEnded) {
      this.streamError(stream, ErrorCode.STREAM_CLOSED, "HEADERS after END_STREAM");
      return false;
    }
    if (failure !== null) {
      this.streamError(stream, ErrorCode.PROTOCOL_ERROR, failure);
      return false;
    }
    stream.endRemote();
    return true;
  }

  /** END_STREAM on the first header block: no body, so a content-length above 0 is a lie. False after a stream error. */
  protected acceptEndWithoutData(stream: S): boolean {
    if (stream.contentLength > 0) {
      this.streamError(stream, ErrorCode.PROTOCOL_ERROR, "content-length without DATA");
      return false;
    }
    stream.endRemote();
    return true;
  }

  /* ------------------------------------------------------------------ input pause (paused-input.ts) */

  protected pauseStream(stream: S): void {
    pauseInput(stream);
  }

  protected resumeStream(stream: S): void {
    resumeInput(this, stream);
  }

  grantStreamWindow(stream: S): void {
    this.flow.grantStreamWindow(stream);
  }

  inputFailed(err: unknown): void {
    this.internalError(err);
  }

  /** DATA within the windows, the rest queued; false when the caller should wait for the drain (FlowControl.sendData). */
  protected sendData(stream: S, data: Uint8Array, end: boolean): boolean {
    return this.flow.sendData(stream, data, end);
  }

  queueMoved(stream: S): void {
    this.onQueueProgress(stream);
    if (stream.wantDrain && stream.queuedBytes <= this.tuning.streamQueueSoftBytes && !stream.done) {
      stream.wantDrain = false;
      this.notifyDrain(stream);
    }
  }

  queueOverflow(stream: S): void {
    this.streamError(stream, ErrorCode.INTERNAL_ERROR, "send queue overflow: the caller ignored backpressure");
  }

  /* ------------------------------------------------------------------ streams ending */

  /** The stream is in the connection's table (a closed stream may wait there for its held input; see the client). */
  protected isListed(stream: S): boolean {
    return stream.id !== 0 && this.streams.get(stream.id) === stream;
  }

  /** Closes a stream and drops it from the connection (finished or reset). */
  protected removeStream(stream: S): void {
    const listed = this.isListed(stream);
    stream.close();
    stream.queue = null;
    stream.queuedBytes = 0;
    if (!listed) return;
    this.streams.delete(stream.id);
    this.defences.recentClosed.add(stream.id);
    this.onStreamRemoved(stream);
  }

  protected streamError(stream: S, code: number, message: string): void {
    if (!this.isListed(stream)) return;
    this.writeRst(stream.id, code);
    this.removeStream(stream);
    this.onStreamTerminated(stream, code, peerProtocolError(message, code), false);
  }

  protected streamErrorById(sid: number, code: number, message: string): void {
    const stream = this.streams.get(sid);
    if (stream !== undefined) this.streamError(stream, code, message);
    else this.writeRst(sid, code);
  }

  protected terminateStreams(error: Error | undefined): void {
    if (this.streams.size === 0) return;
    const reason = error ?? new Error("HTTP/2 connection closed"); // one error object for all streams
    for (const stream of this.streams.list()) {
      this.removeStream(stream);
      this.onStreamTerminated(stream, null, reason, false);
    }
  }
}
