/**
 * gRPC A6 retry backoff: the n-th retry waits random(0, current) where current starts at initialBackoff and grows
 * by backoffMultiplier per retry up to maxBackoff (full jitter). Pushback from the server resets it.
 */
import type { RetryPolicy } from "../service-config.js";

export class RetryBackoff {
  private current: number;

  constructor(private readonly policy: RetryPolicy, private readonly random: () => number = Math.random) {
    this.current = policy.initialBackoffMs;
  }

  /** The wait before the next retry, in ms. */
  next(): number {
    const wait = this.random() * this.current;
    this.current = Math.min(this.current * this.policy.backoffMultiplier, this.policy.maxBackoffMs);
    return wait;
  }

  /** After a server pushback the next backoff starts from initialBackoff again. */
  reset(): void {
    this.current = this.policy.initialBackoffMs;
  }
}
