/**
 * Counters of what the retry machinery did, per GrpcClient (`client.retryStats()`). Only calls that retried, hedged
 * or ran under a retry/hedging policy touch them: a call without a service config counts nothing.
 */
export interface ClientRetryStats {
  /** Calls started under a retryPolicy or hedgingPolicy of the service config. */
  policyCalls: number;
  /** Attempts those calls made (the first one included). */
  attempts: number;
  /** Attempts made by a retryPolicy after a retryable status. */
  retries: number;
  /** Attempts made by a hedgingPolicy beyond the first. */
  hedges: number;
  /** Streams the server never processed (REFUSED_STREAM, above the GOAWAY last-stream-id), sent again. */
  transparentRetries: number;
  /** Retries or hedges not made because retry throttling had too few tokens. */
  throttled: number;
  /** Retries not made because the server's grpc-retry-pushback-ms said stop. */
  pushbackStops: number;
  /** Calls that made no retry because their request did not fit the retry buffers (A6 buffer limits). */
  overBufferLimit: number;
}

/** The attempts beyond the first that a run made (the load generator's report shows them when nonzero). */
export interface RetryCounts {
  readonly retries: number;
  readonly hedges: number;
  readonly transparentRetries: number;
}

/** What the retry machinery did between two retryStats() snapshots. */
export function retryCountsBetween(before: RetryCounts, after: RetryCounts): RetryCounts {
  return {
    retries: after.retries - before.retries,
    hedges: after.hedges - before.hedges,
    transparentRetries: after.transparentRetries - before.transparentRetries,
  };
}

export function newRetryStats(): ClientRetryStats {
  return { policyCalls: 0, attempts: 0, retries: 0, hedges: 0, transparentRetries: 0, throttled: 0, pushbackStops: 0, overBufferLimit: 0 };
}
