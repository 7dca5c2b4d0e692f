/**
 * Retry throttling (A6), one per client: a token bucket of `maxTokens` that starts full; each failed attempt (a
 * retryable or non-fatal status) takes one token, each successful call gives back `tokenRatio`. Retries and hedges
 * are made only while more than half the tokens are left, so a failing backend is not hit by retry storms.
 */
import type { RetryThrottling } from "../service-config.js";

export class RetryThrottle {
  /** Kept in thousandths: A6 fixes tokenRatio at three decimals, so the sums stay exact. */
  private milliTokens: number;
  private readonly maxMilli: number;
  private readonly ratioMilli: number;

  constructor(config: RetryThrottling) {
    this.maxMilli = config.maxTokens * 1000;
    this.ratioMilli = Math.round(config.tokenRatio * 1000);
    this.milliTokens = this.maxMilli;
  }

  get tokens(): number {
    return this.milliTokens / 1000;
  }

  /** An attempt failed with a retryable / non-fatal status. */
  recordFailure(): void {
    this.milliTokens = Math.max(0, this.milliTokens - 1000);
  }

  /** A call succeeded. */
  recordSuccess(): void {
    this.milliTokens = Math.min(this.maxMilli, this.milliTokens + this.ratioMilli);
  }

  /** Whether a retry or hedge may be sent now. */
  get allowsRetry(): boolean {
    return this.milliTokens > this.maxMilli / 2;
  }
}
