/**
 * The rest of a request the server answered before it ended (size limit, unknown method, bad grpc-timeout,
 * shutdown, a handler that failed early). RFC 9113 8.1 allows RST_STREAM(NO_ERROR) right after such an answer, but a
 * proxy in front (HAProxy 2.6) turns that reset into a CANCEL towards its client and the status is lost. Like C++
 * gRPC, the server reads what is left of the request and discards it (never buffered, window granted as it goes)
 * until the peer's END_STREAM, and resets the stream only when a bound in bytes or time is reached.
 */
import type { StreamCore } from "./stream-core.js";

export class RequestDrain {
  /** DATA bytes that may still be discarded; below zero the stream is reset. */
  bytesLeft: number;
  readonly timer: NodeJS.Timeout;

  constructor(bytes: number, ms: number, onTimeout: () => void) {
    this.bytesLeft = bytes;
    this.timer = setTimeout(onTimeout, ms);
    this.timer.unref();
  }

  /** Counts discarded DATA; true once past the bound. */
  discard(data: Uint8Array | null): boolean {
    if (data !== null) this.bytesLeft -= data.length;
    return this.bytesLeft < 0;
  }

  stop(): void {
    clearTimeout(this.timer);
  }
}

/**
 * DATA held for a paused reader is of no use once the stream is answered: it counts as consumed (its window is
 * granted back) and the stream reads again, so that the peer can finish sending.
 */
export function releaseHeldInput(stream: StreamCore): void {
  const input = stream.input;
  if (input === null) return;
  if (input.held !== null) for (const chunk of input.held) stream.recvConsumed += chunk.length;
  input.held = null;
  input.heldEnd = false;
  input.paused = false;
}
