/** Time and randomness as the pool sees them, injectable so tests drive backoff, keepalive and deadlines by hand. */

/** Cancels a timer started by PoolClock.after (a no-op once it ran). */
export type CancelTimer = () => void;

export interface PoolClock {
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
  /** Runs `callback` once after `ms`. Pool timers never keep the process alive on their own. */
  after(ms: number, callback: () => void): CancelTimer;
}

export const SYSTEM_CLOCK: PoolClock = Object.freeze({
  now: () => Date.now(),
  random: () => Math.random(),
  after(ms: number, callback: () => void): CancelTimer {
    const timer = setTimeout(callback, ms);
    timer.unref();
    return () => clearTimeout(timer);
  },
});

export const NO_TIMER: CancelTimer = () => {};
