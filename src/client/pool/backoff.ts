/** Reconnect backoff as in gRPC's connection-backoff.md: exponential, jittered, capped. */

export interface BackoffOptions {
  /** Delay after the first failed connect. */
  initialMs: number;
  /** Each further failure multiplies the delay by this. */
  multiplier: number;
  /** The delay is spread uniformly over +-jitter of itself (0.2 = +-20%). */
  jitter: number;
  /** No delay grows past this. */
  maxMs: number;
}

/** gRPC's connection-backoff.md defaults. */
export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 120_000 });

/** Delay before connect attempt number `failures + 1`, after `failures` (>= 1) consecutive failures. */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * Math.pow(options.multiplier, Math.max(0, failures - 1)));
  const spread = base * options.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}
