/** The client's keepalive PINGs waiting for their ACK, by the low word of their payload. */

/** Keepalive PINGs are rare: more than this many unanswered means the peer is not answering anyway. */
const MAX_PINGS_IN_FLIGHT = 16;

type PingCallback = (error: Error | null) => void;

export class PendingPings {
  private readonly waiting = new Map<number, PingCallback>();
  private nextId = 0;

  /** @param onCallbackError a callback threw (reported, never thrown into the engine) */
  constructor(private readonly onCallbackError: (error: Error) => void) {}

  /** The id to put in the PING's low word, or -1 when too many are unanswered. */
  add(callback: PingCallback): number {
    if (this.waiting.size >= MAX_PINGS_IN_FLIGHT) return -1;
    const id = this.nextId;
    this.nextId = (this.nextId + 1) >>> 0;
    this.waiting.set(id, callback);
    return id;
  }

  acked(id: number): void {
    const callback = this.waiting.get(id);
    if (callback === undefined) return;
    this.waiting.delete(id);
    this.run(callback, null);
  }

  /** The session closed: every waiting PING fails with `error`. */
  failAll(error: Error): void {
    if (this.waiting.size === 0) return;
    const callbacks = [...this.waiting.values()];
    this.waiting.clear();
    for (const callback of callbacks) this.run(callback, error);
  }

  private run(callback: PingCallback, error: Error | null): void {
    try {
      callback(error);
    } catch (err) {
      this.onCallbackError(err instanceof Error ? err : new Error(String(err)));
    }
  }
}
