/**
 * Flow control both ways (RFC 9113 6.9) and the send queue: DATA goes out within the peer's windows, its frame size
 * and the socket's high-water mark, the rest waits per stream and moves out in turn as window or socket space
 * comes; receive windows are replenished as the owner consumes. A connection that cannot send for
 * stallTimeoutMs is reported stalled.
 */
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW } from "./constants.js";
import type { FrameWriter } from "./frame-writer.js";
import type { StreamCore } from "./stream-core.js";
import type { H2Tuning } from "./tuning.js";

/** What flow control needs from the connection. */
export interface FlowHost<S extends StreamCore> {
  readonly out: FrameWriter;
  readonly dead: boolean;
  flushSoon(): void;
  /** Queued DATA of the stream moved out (it may now be empty, or below the soft limit). */
  queueMoved(stream: S): void;
  /** A stream's queue passed the hard limit: the caller ignored backpressure. */
  queueOverflow(stream: S): void;
  /** No progress for stallTimeoutMs while output is blocked. */
  stalled(error: Error): void;
}

export const enum QueueLevel { Ok, Full, Overflow }

/** Where a stream's queue stands against the limits; Full asks the owner to wait for onDrain. */
export function queueLevel(stream: StreamCore, tuning: H2Tuning): QueueLevel {
  if (stream.queuedBytes > tuning.streamQueueHardBytes) return QueueLevel.Overflow;
  if (stream.queuedBytes > tuning.streamQueueSoftBytes) {
    stream.wantDrain = true;
    return QueueLevel.Full;
  }
  return QueueLevel.Ok;
}

/** Adds DATA (and a pending END_STREAM) behind what a stream already queued. */
export function queueOn(stream: StreamCore, data: Uint8Array, end: boolean): void {
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
}

export class FlowControl<S extends StreamCore> {
  peerMaxFrameSize = DEFAULT_MAX_FRAME_SIZE;
  peerInitialWindow = DEFAULT_WINDOW;
  connSendWindow = DEFAULT_WINDOW;
  connRecvWindow = DEFAULT_WINDOW;
  private connRecvConsumed = 0;
  /** The socket holds more than outputHighWaterBytes: no DATA moves until it drains. */
  outputBlocked = false;
  /** Streams with queued DATA, served in turn. */
  readonly blockedStreams: S[] = [];
  private stallTimer: NodeJS.Timeout | null = null;
  private lastProgress = 0;

  constructor(private readonly host: FlowHost<S>, private readonly tuning: H2Tuning) {}

  initStream(stream: S): void {
    stream.sendWindow = this.peerInitialWindow;
    stream.recvWindow = this.tuning.initialWindowSize;
  }

  /* ------------------------------------------------------------------ receiving */

  /** Takes a DATA frame's length from the connection window; false if the peer overran it. */
  takeConnectionWindow(len: number): boolean {
    this.connRecvWindow -= len;
    this.connRecvConsumed += len;
    return this.connRecvWindow >= 0;
  }

  /** Data is handed to the gRPC layer as it arrives, so it counts as consumed: refill once half is used. */
  replenishConnection(): void {
    if (this.connRecvConsumed >= this.tuning.connectionWindowSize >>> 1 && !this.host.dead) {
      this.host.out.windowUpdate(0, this.connRecvConsumed);
      this.host.flushSoon();
      this.connRecvWindow += this.connRecvConsumed;
      this.connRecvConsumed = 0;
    }
  }

  /** WINDOW_UPDATE for what the owner has consumed, once half the window is used and unless input is paused. */
  grantStreamWindow(stream: S): void {
    if (stream.done || stream.remoteEnded || this.host.dead || (stream.input !== null && stream.input.paused)) return;
    if (stream.recvConsumed >= this.tuning.initialWindowSize >>> 1) {
      this.host.out.windowUpdate(stream.id, stream.recvConsumed);
      this.host.flushSoon();
      stream.recvWindow += stream.recvConsumed;
      stream.recvConsumed = 0;
    }
  }

  /* ------------------------------------------------------------------ sending */

  /**
   * Sends DATA on a stream within the flow-control windows and queues the rest. Returns false when the stream's
   * queue is above the soft limit (the caller should wait for the drain hook).
   */
  sendData(stream: S, data: Uint8Array, end: boolean): boolean {
    if (stream.endSent || this.host.dead) return false;
    if (stream.queue === null) {
      const n = data.length;
      if (n === 0) {
        if (!end) return true;
        this.host.out.data(stream.id, data, 0, 0, true);
        stream.endLocal();
        this.host.flushSoon();
        return true;
      }
      const off = this.outputBlocked ? 0 : this.writeFrames(stream, data, 0, end);
      if (off > 0) this.host.flushSoon();
      if (off === n) return true;
      this.enqueue(stream, off === 0 ? data : data.subarray(off), end);
    } else {
      this.enqueue(stream, data, end);
    }
    const level = queueLevel(stream, this.tuning);
    if (level === QueueLevel.Overflow) this.host.queueOverflow(stream);
    return level === QueueLevel.Ok;
  }

  /**
   * DATA frames for data[off..] within the windows, the peer's frame size and the output high-water mark;
   * END_STREAM on the frame that completes it when `end`. Returns the new offset.
   */
  private writeFrames(stream: S, data: Uint8Array, off: number, end: boolean): number {
    const out = this.host.out;
    const high = this.tuning.outputHighWaterBytes;
    const n = data.length;
    while (off < n && out.pending < high) {
      let allow = n - off;
      if (allow > this.peerMaxFrameSize) allow = this.peerMaxFrameSize;
      if (allow > stream.sendWindow) allow = stream.sendWindow;
      if (allow > this.connSendWindow) allow = this.connSendWindow;
      if (allow <= 0) break;
      const last = off + allow === n;
      out.data(stream.id, data, off, off + allow, last && end);
      off += allow;
      stream.sendWindow -= allow;
      this.connSendWindow -= allow;
      if (last && end) stream.endLocal();
    }
    return off;
  }

  private enqueue(stream: S, data: Uint8Array, end: boolean): void {
    queueOn(stream, data, end);
    if (!stream.blocked) {
      stream.blocked = true;
      this.blockedStreams.push(stream);
    }
    this.armStall();
  }

  /** Moves queued DATA of blocked streams into the output, in turn; true if anything moved. */
  moveQueuedData(): boolean {
    const list = this.blockedStreams;
    const high = this.tuning.outputHighWaterBytes;
    let moved = false;
    let w = 0;
    for (let r = 0; r < list.length; r++) {
      const stream = list[r] as S;
      if (!stream.done && stream.queue !== null && this.connSendWindow > 0 && this.host.out.pending < high && !this.host.dead) {
        if (this.writeQueued(stream)) moved = true;
      }
      if (!stream.done && stream.queue !== null) list[w++] = stream;
      else stream.blocked = false;
    }
    list.length = w;
    if (moved) {
      this.lastProgress = performance.now();
      this.host.flushSoon();
    }
    return moved;
  }

  private writeQueued(stream: S): boolean {
    let moved = false;
    let queue = stream.queue;
    while (queue !== null) {
      const head = queue[0] as Uint8Array;
      const from = stream.queueOffset;
      const to = this.writeFrames(stream, head, from, queue.length === 1 && stream.queueEnd);
      if (to === from) break;
      moved = true;
      stream.queuedBytes -= to - from;
      if (to < head.length) {
        stream.queueOffset = to;
        break;
      }
      queue.shift();
      stream.queueOffset = 0;
      if (queue.length === 0) {
        queue = null;
        stream.queue = null;
        stream.queueEnd = false;
      }
    }
    if (moved) this.host.queueMoved(stream);
    return moved;
  }

  /** Window came (WINDOW_UPDATE, SETTINGS) or the socket drained. */
  progress(): void {
    this.lastProgress = performance.now();
  }

  /* ------------------------------------------------------------------ stalls */

  armStall(): void {
    if (this.stallTimer !== null || this.host.dead) return;
    this.lastProgress = performance.now();
    this.stallTimer = setTimeout(() => this.checkStall(), this.tuning.stallTimeoutMs);
    this.stallTimer.unref();
  }

  /** A method, not a bound field: the timer's closure exists only while a stall is watched. */
  private checkStall(): void {
    this.stallTimer = null;
    if (this.host.dead) return;
    const stalled = this.outputBlocked || (this.blockedStreams.length > 0 && this.connSendWindow <= 0);
    if (!stalled && this.blockedStreams.length === 0) return;
    const idle = performance.now() - this.lastProgress;
    if (stalled && idle >= this.tuning.stallTimeoutMs) {
      this.host.stalled(new Error(`peer stopped reading: no progress for ${Math.round(idle)} ms`));
      return;
    }
    this.stallTimer = setTimeout(() => this.checkStall(), Math.max(10, this.tuning.stallTimeoutMs - (stalled ? idle : 0)));
    this.stallTimer.unref();
  }

  /** The connection is over: no more sending, no timer. */
  stop(): void {
    if (this.stallTimer !== null) {
      clearTimeout(this.stallTimer);
      this.stallTimer = null;
    }
    this.blockedStreams.length = 0;
  }
}
