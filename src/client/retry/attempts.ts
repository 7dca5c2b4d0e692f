/**
 * The attempt loop of a unary call under a service-config retryPolicy or hedgingPolicy (gRPC A6). It only decides
 * when to send what: `send` puts one attempt on the wire. The call's deadline covers every attempt and the waits
 * between them; the caller's signal cancels whatever is in flight. Timers are the global ones (node:test's
 * mock.timers drives them in tests); the clock is Date.now for the same reason.
 */
import { errors } from "../../errors/catalog.js";
import { Code } from "../../errors/codes.js";
import { GrpcError } from "../../errors/grpc-error.js";
import type { HedgingPolicy, RetryPolicy } from "../service-config.js";
import { RetryBackoff } from "./backoff.js";
import { pushbackOf } from "./pushback.js";
import type { ClientRetryStats } from "./stats.js";
import type { RetryThrottle } from "./throttle.js";

/** One attempt as `send` sees it. */
export interface Attempt {
  /** 0 for the first attempt (A6's grpc-previous-rpc-attempts). */
  readonly index: number;
  /** What is left of the call's deadline (undefined: none). */
  readonly timeoutMs: number | undefined;
  /** Aborted when the attempt is no longer wanted (another one won, the caller cancelled). */
  readonly signal: AbortSignal;
  /** Set by `send` once response headers came: the call is committed and is not retried after that. */
  committed: boolean;
}

export type AttemptSender<T> = (attempt: Attempt) => Promise<T>;

export interface AttemptContext {
  readonly stats: ClientRetryStats;
  readonly throttle: RetryThrottle | null;
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal | undefined;
  /** False when the request did not fit the retry buffers: one attempt only. */
  readonly retriable: boolean;
  readonly random?: () => number;
}

class AttemptState implements Attempt {
  committed = false;
  readonly controller = new AbortController();
  constructor(readonly index: number, readonly timeoutMs: number | undefined) {}
  get signal(): AbortSignal {
    return this.controller.signal;
  }
}

function remainingOf(deadline: number | undefined): number | undefined {
  return deadline === undefined ? undefined : Math.max(0, deadline - Date.now());
}

/** Waits `ms`, or rejects when the caller aborts or the deadline passes first. */
function wait(ms: number, deadline: number | undefined, signal: AbortSignal | undefined): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const left = remainingOf(deadline);
    const expires = left !== undefined && left <= ms;
    const onAbort = () => {
      clearTimeout(timer);
      reject(errors.cancelled("call aborted by the caller"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      if (expires) reject(errors.deadlineExceeded());
      else resolve();
    }, expires ? left : ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

function linkAbort(signal: AbortSignal | undefined, attempt: AttemptState): () => void {
  if (signal === undefined) return () => {};
  const abort = () => attempt.controller.abort(signal.reason);
  signal.addEventListener("abort", abort, { once: true });
  return () => signal.removeEventListener("abort", abort);
}

/** retryPolicy: one attempt at a time; retry a retryable status after backoff (or the server's pushback). */
export async function withRetries<T>(policy: RetryPolicy, context: AttemptContext, send: AttemptSender<T>): Promise<T> {
  const { stats, throttle, signal } = context;
  const deadline = context.timeoutMs === undefined ? undefined : Date.now() + context.timeoutMs;
  const backoff = new RetryBackoff(policy, context.random);
  stats.policyCalls++;
  for (let index = 0; ; index++) {
    if (signal?.aborted) throw errors.cancelled("call aborted by the caller");
    const attempt = new AttemptState(index, remainingOf(deadline));
    if (attempt.timeoutMs === 0) throw errors.deadlineExceeded();
    stats.attempts++;
    const unlink = linkAbort(signal, attempt);
    let error: GrpcError;
    try {
      const result = await send(attempt);
      throttle?.recordSuccess();
      return result;
    } catch (cause) {
      error = GrpcError.from(cause);
    } finally {
      unlink();
    }
    if (!policy.retryableStatusCodes.has(error.code)) throw error;
    throttle?.recordFailure();
    if (attempt.committed || !context.retriable || index + 1 >= policy.maxAttempts) throw error;
    if (throttle !== null && !throttle.allowsRetry) {
      stats.throttled++;
      throw error;
    }
    const pushback = pushbackOf(error.metadata);
    if (pushback === "stop") {
      stats.pushbackStops++;
      throw error;
    }
    if (pushback !== undefined) backoff.reset();
    await wait(pushback ?? backoff.next(), deadline, signal);
    stats.retries++;
  }
}

/**
 * hedgingPolicy: the first attempt at once, another every hedgingDelay while none has finished; a non-fatal
 * status sends the next one at once (or after the server's pushback). The first OK or fatal status wins and
 * cancels the rest; when every attempt failed non-fatally the last status is the call's.
 */
export function withHedging<T>(policy: HedgingPolicy, context: AttemptContext, send: AttemptSender<T>): Promise<T> {
  const { stats, throttle, signal } = context;
  const deadline = context.timeoutMs === undefined ? undefined : Date.now() + context.timeoutMs;
  const maxAttempts = context.retriable ? policy.maxAttempts : 1;
  stats.policyCalls++;
  return new Promise<T>((resolve, reject) => {
    const inFlight = new Set<AttemptState>();
    let started = 0;
    let done = false;
    let stopped = false; // pushback said stop, or throttling: no more hedges
    let timer: ReturnType<typeof setTimeout> | null = null;
    let deadlineTimer: ReturnType<typeof setTimeout> | null = null;
    let lastError: GrpcError | null = null;

    const finish = (outcome: () => void) => {
      if (done) return;
      done = true;
      if (timer !== null) clearTimeout(timer);
      if (deadlineTimer !== null) clearTimeout(deadlineTimer);
      signal?.removeEventListener("abort", onAbort);
      for (const attempt of inFlight) attempt.controller.abort(errors.cancelled("another hedged attempt won"));
      inFlight.clear();
      outcome();
    };
    const onAbort = () => finish(() => reject(errors.cancelled("call aborted by the caller")));
    const schedule = (ms: number) => {
      if (timer !== null) clearTimeout(timer);
      timer = started < maxAttempts && !stopped ? setTimeout(launch, ms) : null;
    };
    const launch = () => {
      timer = null;
      if (done || started >= maxAttempts || stopped) return;
      if (started > 0) {
        if (throttle !== null && !throttle.allowsRetry) {
          stats.throttled++;
          stopped = true;
          if (inFlight.size === 0) finish(() => reject(lastError ?? errors.cancelled("hedging throttled")));
          return;
        }
        stats.hedges++;
      }
      const attempt = new AttemptState(started++, remainingOf(deadline));
      stats.attempts++;
      inFlight.add(attempt);
      schedule(policy.hedgingDelayMs);
      send(attempt).then((value) => {
        inFlight.delete(attempt);
        throttle?.recordSuccess();
        finish(() => resolve(value));
      }, (cause: unknown) => {
        inFlight.delete(attempt);
        if (done) return;
        const error = GrpcError.from(cause);
        if (!policy.nonFatalStatusCodes.has(error.code) || attempt.committed) return finish(() => reject(error));
        throttle?.recordFailure();
        lastError = error;
        const pushback = pushbackOf(error.metadata);
        if (pushback === "stop") {
          stats.pushbackStops++;
          stopped = true;
        }
        if (stopped || started >= maxAttempts) {
          if (inFlight.size === 0) finish(() => reject(error));
          return;
        }
        schedule(typeof pushback === "number" ? pushback : 0);
      });
    };

    if (signal?.aborted) return reject(errors.cancelled("call aborted by the caller"));
    signal?.addEventListener("abort", onAbort, { once: true });
    if (deadline !== undefined) {
      deadlineTimer = setTimeout(() => finish(() => reject(new GrpcError(Code.DEADLINE_EXCEEDED, "deadline exceeded"))), deadline - Date.now());
    }
    launch();
  });
}
