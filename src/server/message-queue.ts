/**
 * A single-consumer async queue of messages: the request stream a server handler reads, and the response stream
 * a client caller reads. It is where flow control meets the reader: once `highWaterBytes` are queued it asks the
 * producer to pause (the engine then stops granting HTTP/2 window, so the peer stops sending), and asks it to
 * resume once the reader has taken everything. Bytes are wire bytes (message + 5-byte prefix), so empty messages
 * count too.
 */

/** How the queue throttles its producer. */
export interface QueueFlow {
  pause(): void;
  resume(): void;
}

interface Waiter<T> {
  resolve(result: IteratorResult<T>): void;
  reject(error: unknown): void;
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

export class MessageQueue<T> implements AsyncIterableIterator<T> {
  private items: (T | undefined)[] = [];
  private sizes: number[] = [];
  private head = 0;
  private queuedBytes = 0;
  private waiter: Waiter<T> | null = null;
  private state: "open" | "ended" | "failed" | "returned" = "open";
  private error: unknown;
  private paused = false;

  constructor(
    private readonly highWaterBytes: number,
    private readonly flow: QueueFlow,
    /** The reader stopped early (break out of for-await, or return()): the owner cancels what feeds the queue. */
    private readonly onReturn?: () => void,
  ) {}

  /** Wire bytes waiting for the reader. */
  get bytes(): number {
    return this.queuedBytes;
  }

  /** True once the reader gave up (return()): pushing is pointless. */
  get abandoned(): boolean {
    return this.state === "returned";
  }

  push(item: T, wireBytes: number): void {
    if (this.state !== "open") return;
    const waiter = this.waiter;
    if (waiter !== null) {
      this.waiter = null;
      waiter.resolve({ value: item, done: false });
      return;
    }
    this.items.push(item);
    this.sizes.push(wireBytes);
    this.queuedBytes += wireBytes;
    if (!this.paused && this.queuedBytes >= this.highWaterBytes) {
      this.paused = true;
      this.flow.pause();
    }
  }

  /** No more messages: the reader sees the end after what is queued. */
  end(): void {
    if (this.state !== "open") return;
    this.state = "ended";
    this.settleWaiter();
  }

  /** The stream failed: the reader gets what is queued, then `error` is thrown. */
  fail(error: unknown): void {
    if (this.state !== "open") return;
    this.state = "failed";
    this.error = error;
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<T>> {
    if (this.head < this.items.length) return Promise.resolve({ value: this.take(), done: false });
    switch (this.state) {
      case "open":
        if (this.waiter !== null) return Promise.reject(new TypeError("a message stream has one reader at a time"));
        return new Promise<IteratorResult<T>>((resolve, reject) => { this.waiter = { resolve, reject }; });
      case "failed":
        return Promise.reject(this.error);
      default:
        return Promise.resolve(DONE);
    }
  }

  return(): Promise<IteratorResult<T>> {
    if (this.state === "open") {
      this.state = "returned";
      this.onReturn?.();
    } else {
      this.state = "returned";
    }
    this.items = [];
    this.sizes = [];
    this.head = 0;
    this.queuedBytes = 0;
    this.waiter?.resolve(DONE);
    this.waiter = null;
    return Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private take(): T {
    const index = this.head;
    const item = this.items[index] as T;
    this.items[index] = undefined;
    this.queuedBytes -= this.sizes[index] ?? 0;
    this.head = index + 1;
    if (this.head === this.items.length) {
      // Drained: reuse the arrays instead of shifting, and let the producer go on.
      this.items.length = 0;
      this.sizes.length = 0;
      this.head = 0;
      this.queuedBytes = 0;
      if (this.paused) {
        this.paused = false;
        this.flow.resume();
      }
    }
    return item;
  }

  private settleWaiter(): void {
    const waiter = this.waiter;
    if (waiter === null) return;
    this.waiter = null;
    if (this.state === "failed") waiter.reject(this.error);
    else waiter.resolve(DONE);
  }
}
