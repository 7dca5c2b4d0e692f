/** A PoolClock that only moves when the test says so: backoff, keepalive and deadlines without wall-clock sleeps. */
import type { CancelTimer, PoolClock } from "../../../src/client/pool.js";

interface Timer {
  at: number;
  seq: number;
  callback: () => void;
}

export class ManualClock implements PoolClock {
  private time = 0;
  private seq = 0;
  private timers: Timer[] = [];
  private draws = 0;

  /** `randoms` are returned by random() in turn (default: always 0.5, i.e. no jitter). */
  constructor(private readonly randoms: readonly number[] = [0.5]) {}

  now(): number {
    return this.time;
  }

  readonly random = (): number => this.randoms[this.draws++ % this.randoms.length] ?? 0.5;

  after(ms: number, callback: () => void): CancelTimer {
    const timer: Timer = { at: this.time + ms, seq: this.seq++, callback };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((other) => other !== timer);
    };
  }

  /** Timers not yet run, with the time each one is due. */
  pendingAt(): number[] {
    return this.timers.map((timer) => timer.at).sort((a, b) => a - b);
  }

  /** Moves time forward by `ms`, running every timer that falls due, in order. */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let first: Timer | undefined;
      for (const timer of this.timers) if (timer.at <= end && (first === undefined || timer.at < first.at || (timer.at === first.at && timer.seq < first.seq))) first = timer;
      if (first === undefined) break;
      const due = first;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = due.at;
      due.callback();
    }
    this.time = end;
  }
}
