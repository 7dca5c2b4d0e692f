import type { HeaderMap } from "../types.js";

/**
 * The part of a stream the connection's flow control and state machine need, shared by server and client streams.
 * Plain fields, no EventEmitter: one small object per stream.
 */
export class StreamCore {
  /** Stream id; 0 while a client stream waits for a concurrency slot. */
  id = 0;
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
  /** We have put END_STREAM (or RST_STREAM) on the wire. */
  endSent = false;
  /** The peer has sent END_STREAM. */
  remoteEnded = false;
  /** Gone from the connection (finished or reset); nothing more is delivered. */
  done = false;
  /** Bytes of DATA payload received (for the content-length check). */
  receivedBytes = 0;
  /** content-length header of the peer's message, -1 if absent. */
  contentLength = -1;
  /** Input pause state, allocated the first time the owner pauses (streaming calls only): unary streams stay small. */
  input: PausedInput | null = null;

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

export class PausedInput {
  /** The owner paused input: DATA is held (copied) and no WINDOW_UPDATE is sent for the stream until it resumes. */
  paused = true;
  /** DATA received while paused (or behind held DATA), in order; bounded by the stream's receive window. */
  held: Uint8Array[] | null = null;
  /** The peer's end of stream (END_STREAM or trailers) arrived behind held DATA: delivered once that is. */
  heldEnd = false;
  /** Client: the trailers that came behind held DATA, reported after it. */
  trailers: HeaderMap | null = null;
  /** Held DATA is being handed over now (a resume from inside the owner's callback must not re-enter). */
  delivering = false;
  /** A delivery of held DATA is scheduled. */
  resumeScheduled = false;
}
