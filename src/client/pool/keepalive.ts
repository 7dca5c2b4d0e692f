/** Keepalive pings: each session is pinged every interval; one whose ping goes unanswered in time is destroyed. */
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

export class Keepalive {
  private readonly timers = new Map<ClientSession, CancelTimer>();

  /** `intervalMs` 0 turns keepalive off. */
  constructor(private readonly intervalMs: number, private readonly timeoutMs: number, private readonly clock: PoolClock) {}

  start(session: ClientSession): void {
    if (this.intervalMs === 0 || !canPing(session)) return;
    const tick = (): void => {
      this.timers.set(session, this.clock.after(this.intervalMs, tick));
      this.ping(session);
    };
    this.timers.set(session, this.clock.after(this.intervalMs, tick));
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
