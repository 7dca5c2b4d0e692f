/**
 * When to replace a crashed worker: at once after a worker that ran a while, with a doubling delay while workers
 * keep dying soon after they start (a crash loop must not spin the CPU or flood the log).
 */
export interface RestartPolicyOptions {
  /** A worker that lived at least this long (ms) crashed "once": replaced at once. */
  minUptimeMs: number;
  /** Delay after the first quick crash (ms); doubles with each further one. */
  initialDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RESTART_POLICY: Readonly<RestartPolicyOptions> = Object.freeze({ minUptimeMs: 5000, initialDelayMs: 200, maxDelayMs: 30_000 });

export class RestartPolicy {
  private quickCrashes = 0;
  constructor(private readonly options: RestartPolicyOptions = DEFAULT_RESTART_POLICY) {}

  /** The delay (ms) before replacing a worker that ran for `uptimeMs`. */
  delayAfterCrash(uptimeMs: number): number {
    if (uptimeMs >= this.options.minUptimeMs) {
      this.quickCrashes = 0;
      return 0;
    }
    this.quickCrashes++;
    return Math.min(this.options.maxDelayMs, this.options.initialDelayMs * 2 ** (this.quickCrashes - 1));
  }

  /** Crashes in a row that each came sooner than minUptimeMs. */
  get crashLoopLength(): number {
    return this.quickCrashes;
  }
}
