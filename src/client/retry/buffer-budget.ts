/**
 * A6 buffer limits: a call may be retried or hedged only while its request is kept, and the client keeps at most
 * `retryBufferSize` bytes of such requests (16 MiB), `perRpcBufferLimit` (1 MiB) per call. A call whose request does
 * not fit goes out once, without retries (it is "committed" at once).
 */
export const DEFAULT_RETRY_BUFFER_BYTES = 16 * 1024 * 1024;
export const DEFAULT_PER_RPC_BUFFER_BYTES = 1024 * 1024;

export class RetryBufferBudget {
  private used = 0;

  constructor(readonly totalBytes = DEFAULT_RETRY_BUFFER_BYTES, readonly perCallBytes = DEFAULT_PER_RPC_BUFFER_BYTES) {}

  get usedBytes(): number {
    return this.used;
  }

  /** Reserves room for a request of `bytes`; false when it does not fit (then nothing is reserved). */
  reserve(bytes: number): boolean {
    if (bytes > this.perCallBytes || this.used + bytes > this.totalBytes) return false;
    this.used += bytes;
    return true;
  }

  release(bytes: number): void {
    this.used = Math.max(0, this.used - bytes);
  }
}
