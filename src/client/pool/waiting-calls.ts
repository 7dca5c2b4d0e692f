/**
 * Calls waiting for a session (the slow path: nothing open has room). A waiter leaves the queue as soon as its
 * caller's signal aborts or its deadline passes, so it no longer counts as demand, and its call fails with that
 * status.
 */
import type { ClientSession } from "../../engine/types.js";
import { errors } from "../../errors/catalog.js";
import { GrpcError } from "../../errors/grpc-error.js";
import { type CancelTimer, NO_TIMER, type PoolClock } from "./clock.js";

class Waiter {
  cancelDeadline: CancelTimer = NO_TIMER;
  constructor(
    readonly resolve: (session: ClientSession) => void,
    readonly reject: (error: unknown) => void,
    readonly signal: AbortSignal | undefined,
    readonly onAbort: () => void,
    /** Stays when nothing is reachable (gRPC's wait-for-ready) instead of failing fast. */
    readonly waitForReady: boolean,
  ) {}

  /** Stops listening for the signal and the deadline. */
  release(): void {
    this.cancelDeadline();
    this.signal?.removeEventListener("abort", this.onAbort);
  }
}

/** The status of a call whose caller aborted it: the signal's reason when it is a GrpcError, else CANCELLED. */
export function abortStatus(signal: AbortSignal): GrpcError {
  const reason: unknown = signal.reason;
  return reason instanceof GrpcError ? reason : errors.cancelled("call aborted by the caller");
}

export class WaitingCalls {
  private queue: Waiter[] = [];

  constructor(private readonly clock: PoolClock) {}

  /** Waiting calls: the demand for streams that no session has room for yet. */
  get length(): number {
    return this.queue.length;
  }

  /**
   * Queues a call; it leaves the queue when served, when `signal` aborts or after `timeoutMs`, and, unless
   * `waitForReady`, when nothing is reachable (rejectFailFast).
   */
  add(signal: AbortSignal | undefined, timeoutMs: number | undefined, waitForReady = false): Promise<ClientSession> {
    if (signal?.aborted === true) return Promise.reject(abortStatus(signal));
    return new Promise<ClientSession>((resolve, reject) => {
      const waiter: Waiter = new Waiter(resolve, reject, signal, () => this.leave(waiter, signal === undefined ? errors.cancelled("call aborted by the caller") : abortStatus(signal)), waitForReady);
      this.queue.push(waiter);
      signal?.addEventListener("abort", waiter.onAbort, { once: true });
      if (timeoutMs !== undefined) waiter.cancelDeadline = this.clock.after(Math.max(0, timeoutMs), () => this.leave(waiter, errors.deadlineExceeded()));
    });
  }

  /** Hands sessions from `next` to the waiters in order until it has none. */
  serve(next: () => ClientSession | undefined): void {
    const queue = this.queue;
    let served = 0;
    for (; served < queue.length; served++) {
      const session = next();
      if (session === undefined) break;
      const waiter = queue[served] as Waiter;
      waiter.release();
      waiter.resolve(session);
    }
    if (served > 0) this.queue = queue.slice(served);
  }

  /** Fails the waiting calls that are not wait-for-ready with `error` (nothing is reachable); the others stay. */
  rejectFailFast(error: unknown): void {
    const failing = this.queue.filter((waiter) => !waiter.waitForReady);
    if (failing.length === 0) return;
    this.queue = this.queue.filter((waiter) => waiter.waitForReady);
    for (const waiter of failing) {
      waiter.release();
      waiter.reject(error);
    }
  }

  /** Fails every waiting call with `error`. */
  rejectAll(error: unknown): void {
    const queue = this.queue;
    this.queue = [];
    for (const waiter of queue) {
      waiter.release();
      waiter.reject(error);
    }
  }

  private leave(waiter: Waiter, error: GrpcError): void {
    const index = this.queue.indexOf(waiter);
    if (index < 0) return;
    this.queue.splice(index, 1);
    waiter.release();
    waiter.reject(error);
  }
}
