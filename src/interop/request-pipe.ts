/**
 * A request stream the caller feeds one message at a time (ping_pong sends the next request only after reading
 * the previous response; the cancel cases send nothing at all).
 */
export class RequestPipe<T> implements AsyncIterable<T> {
  private readonly queued: T[] = [];
  private ended = false;
  private wake: (() => void) | null = null;

  push(message: T): void {
    this.queued.push(message);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    for (;;) {
      const next = this.queued.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      if (this.ended) return;
      await new Promise<void>((resolve) => { this.wake = resolve; });
    }
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = null;
    wake?.();
  }
}
