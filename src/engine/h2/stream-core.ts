import { afterLocalEnd, afterRemoteEnd, localEnded, remoteEnded, StreamState } from "./stream-state.js";
import type { PausedInput } from "./paused-input.js";

/**
 * The part of a stream the connection's flow control and state machine need, shared by server and client streams.
 * Plain fields, no EventEmitter: one small object per stream.
 */
export class StreamCore {
  /** Stream id; 0 while a client stream waits for a concurrency slot. */
  id = 0;
  /** RFC 9113 5.1 state; change it only through the methods below. */
  state: StreamState = StreamState.Idle;
  /** How much we may still send on this stream (peer's window). */
  sendWindow = 0;
  /** How much the peer may still send us before we acknowledge. */
  recvWindow = 0;
  /** Bytes received and delivered since our last WINDOW_UPDATE for this stream. */
  recvConsumed = 0;
  /** DATA payloads waiting for flow-control window or socket space; the first is sent from queueOffset. */
  queue: Uint8Array[] | null = null;
  queueOffset = 0;
  queuedBytes = 0;
  /** Set END_STREAM on the DATA frame that empties the queue. */
  queueEnd = false;
  /** In the connection's list of streams with queued data. */
  blocked = false;
  /** sendMessage returned false: tell the owner when the queue falls below the soft limit. */
  wantDrain = false;
  /** Bytes of DATA payload received (for the content-length check). */
  receivedBytes = 0;
  /** content-length header of the peer's message, -1 if absent. */
  contentLength = -1;
  /** Input pause state, allocated the first time the owner pauses (streaming calls only): unary streams stay small. */
  input: PausedInput | null = null;

  /** We have put END_STREAM (or RST_STREAM) on the wire. */
  get endSent(): boolean {
    return localEnded(this.state);
  }

  /** The peer has sent END_STREAM. */
  get remoteEnded(): boolean {
    return remoteEnded(this.state);
  }

  /** Closed: nothing more is sent or delivered (it may still be in the table for a moment, see H2Connection.removeStream). */
  get done(): boolean {
    return this.state === StreamState.Closed;
  }

  open(): void {
    this.state = StreamState.Open;
  }

  endLocal(): void {
    this.state = afterLocalEnd(this.state);
  }

  endRemote(): void {
    this.state = afterRemoteEnd(this.state);
  }

  close(): void {
    this.state = StreamState.Closed;
  }

  /** DATA is held for a paused owner. */
  holdsData(): boolean {
    return this.input !== null && this.input.held !== null;
  }

  /** Forgets held DATA and a held end (the stream was reset or answered). */
  dropHeld(): void {
    if (this.input !== null) {
      this.input.held = null;
      this.input.heldEnd = false;
      this.input.trailers = null;
    }
  }
}
