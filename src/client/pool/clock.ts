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

/** The injected clock's methods (its own or its class's), the system's for what it leaves out. */
export function resolveClock(injected: Partial<PoolClock> | undefined): PoolClock {
  if (injected === undefined) return SYSTEM_CLOCK;
  return {
    now: injected.now?.bind(injected) ?? SYSTEM_CLOCK.now,
    random: injected.random?.bind(injected) ?? SYSTEM_CLOCK.random,
    after: injected.after?.bind(injected) ?? SYSTEM_CLOCK.after,
  };
}
