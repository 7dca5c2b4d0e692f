/**
 * Keepalive pings (gRPC A8): each session is pinged every interval; one whose ping goes unanswered in time is
 * destroyed. A server that answers GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") gets half as many: the interval
 * doubles for that target's new sessions (sessions already open keep theirs; they are being replaced anyway).
 */
import type { ClientSession } from "../../engine/types.js";
import type { CancelTimer, PoolClock } from "./clock.js";

/**
 * An engine session that can send HTTP/2 PINGs. Optional in the engine seam: keepalive is skipped for engines
 * without it.
 */
export interface PingableSession extends ClientSession {
  /** Sends a PING; the callback runs on its ACK or with the error that prevented it. False if it could not be sent. */
  ping(callback: (error: Error | null) => void): boolean;
}

function canPing(session: ClientSession): session is PingableSession {
  return typeof (session as Partial<PingableSession>).ping === "function";
}

/** The longest interval back-off reaches (grpc-js caps at 2^31-1 ms too: the largest timer delay). */
export const MAX_KEEPALIVE_INTERVAL_MS = 2 ** 31 - 1;
const NO_TARGET = {};

export class Keepalive {
  private readonly timers = new Map<ClientSession, CancelTimer>();
  /** Intervals doubled by too_many_pings, per target (absent: the configured one). */
  private readonly backedOff = new WeakMap<object, number>();

  /** `intervalMs` 0 turns keepalive off. */
  constructor(private readonly intervalMs: number, private readonly timeoutMs: number, private readonly clock: PoolClock) {}

  /** The interval new sessions of `target` are pinged at. */
  intervalFor(target: object = NO_TARGET): number {
    return this.backedOff.get(target) ?? this.intervalMs;
  }

  /** A8: the server said too_many_pings: double the interval for the target's new sessions. */
  tooManyPings(target: object = NO_TARGET): void {
    if (this.intervalMs === 0) return;
    this.backedOff.set(target, Math.min(this.intervalFor(target) * 2, MAX_KEEPALIVE_INTERVAL_MS));
  }

  start(session: ClientSession, target: object = NO_TARGET): void {
    if (this.intervalMs === 0 || !canPing(session)) return;
    const interval = this.intervalFor(target);
    const tick = (): void => {
      this.timers.set(session, this.clock.after(interval, tick));
      this.ping(session);
    };
    this.timers.set(session, this.clock.after(interval, tick));
  }

  stop(session: ClientSession): void {
    const cancel = this.timers.get(session);
    if (cancel === undefined) return;
    cancel();
    this.timers.delete(session);
  }

  stopAll(): void {
    for (const cancel of this.timers.values()) cancel();
    this.timers.clear();
  }

  private ping(session: PingableSession): void {
    if (!session.usable) return;
    let answered = false;
    const cancelDeadline = this.clock.after(this.timeoutMs, () => {
      if (!answered) session.destroy(new Error(`keepalive ping not answered within ${this.timeoutMs} ms`));
    });
    const sent = session.ping((error) => {
      answered = true;
      cancelDeadline();
      if (error !== null) session.destroy(error);
    });
    if (!sent) {
      answered = true;
      cancelDeadline();
    }
  }
}
