/**
 * A streaming call (server-streaming, client-streaming or bidi) that may be sent more than once (gRPC A6): under
 * a retryPolicy / hedgingPolicy, and for transparent retry of streams the server never processed. The requests
 * sent so far are kept (by reference, within the A6 buffer limits) until the call *commits* to one attempt: when
 * that attempt gets response headers (or an OK trailers-only answer), when the buffer limit would be exceeded (the
 * first open attempt), or when the call ends. Before that, a new attempt replays the kept requests (and the
 * half-close) on a session picked from the pool; after it, the buffer is freed and nothing is retried.
 *
 * The caller's ClientStreamingCall stays the one object it iterates: the committed attempt forwards its engine
 * events to it (stream-attempt.ts), and a call that fails before commit ends with the attempt loop's last status.
 */
import type { ClientSession, ClientStream, ClientStreamHandler, HeaderMap } from "../../engine/types.js";
import { errors } from "../../errors/catalog.js";
import { GrpcError } from "../../errors/grpc-error.js";
import type { Metadata } from "../../protocol/metadata.js";
import type { ClientStreamingCall } from "../streaming-call.js";
import type { Attempt, AttemptSender } from "./attempts.js";
import type { RetryBufferBudget } from "./buffer-budget.js";
import type { ClientRetryStats } from "./stats.js";
import { type AttemptOwner, NEVER_ABORTED, StreamAttempt } from "./stream-attempt.js";

export { NEVER_ABORTED } from "./stream-attempt.js";

/** What the client lends a retrying streaming call. */
export interface StreamRetryWire {
  readonly stats: ClientRetryStats;
  readonly budget: RetryBufferBudget;
  pick(signal: AbortSignal | undefined, timeoutMs: number | undefined, waitForReady: boolean | undefined): ClientSession | Promise<ClientSession>;
}

export interface RetryingStreamSpec {
  readonly path: string;
  /** Request messages from an iterable (client-streaming, bidi), or the one request frame already made. */
  readonly body: AsyncIterable<Uint8Array> | Uint8Array;
  readonly waitForReady: boolean | undefined;
  /** The caller's abort signal (the pool's wait for a session stops with it). */
  readonly signal: AbortSignal | undefined;
  /** A request message larger than this fails the call with RESOURCE_EXHAUSTED (the method config's limit). */
  readonly maxRequestMessageBytes: number | undefined;
  /**
   * Whether the call runs under a retry or hedging policy (counted in retryStats().overBufferLimit). Without one the
   * call keeps only its first request frame, for transparent retry: the second request commits it (measured: keeping
   * every frame of short bidi streams until the response headers doubled the client's GC time).
   */
  readonly policy: boolean;
  /** The call's deadline (what is left of it is each attempt's). */
  readonly timeoutMs: number | undefined;
  /** The wire headers: fixed without a policy, per attempt under one (grpc-timeout, grpc-previous-rpc-attempts). */
  readonly headers: Metadata | ((attempt: Attempt) => Metadata | GrpcError);
  /**
   * Runs the attempts under the policy (the policy's loop); absent without a policy: one attempt, resent only
   * transparently, with no promise, signal or closure of its own. `ended` gives the signal aborted when the call ends.
   */
  readonly run?: (send: AttemptSender<void>, ended: () => AbortSignal) => Promise<void>;
}

function noop(): void {}

export class RetryingStream<T> implements AttemptOwner {
  private readonly frames: Uint8Array[] = [];
  private bufferedBytes = 0;
  private halfClosed = false;
  /** The buffer limit was hit before an attempt was open: the first attempt to open commits at once. */
  private overflowed = false;
  private committed: StreamAttempt | null = null;
  /** Attempts not committed and not over (one, except while hedging). */
  private live: StreamAttempt[] = [];
  private waiter: (() => void) | null = null;
  private lastTrailers: HeaderMap | null = null;
  /** Aborted when the call ends: stops the attempt loop's waits. Made on first use. */
  private ended: AbortController | null = null;

  constructor(private readonly call: ClientStreamingCall<T>, private readonly wire: StreamRetryWire, private readonly spec: RetryingStreamSpec) {}

  get path(): string {
    return this.spec.path;
  }

  get settled(): boolean {
    return this.call.isSettled;
  }

  get target(): ClientStreamHandler {
    return this.call;
  }

  /** Starts the first attempt and the request pump. The call is armed (deadline, signal) by the caller. */
  start(): void {
    const call = this.call;
    call.onSettle = () => this.finish();
    const body = this.spec.body;
    if (body instanceof Uint8Array) {
      if (!this.keep(body)) {
        this.frames.push(body); // sent once, unreserved: the first attempt to open commits
        this.overflowed = true;
      }
      this.halfClosed = true;
    }
    const run = this.spec.run;
    if (run === undefined) {
      const attempt = new StreamAttempt(this, { index: 0, timeoutMs: this.spec.timeoutMs, signal: NEVER_ABORTED, committed: false }, noop, (error) => call.endWith(error, this.lastTrailers));
      this.live.push(attempt);
      attempt.open();
    } else {
      run((attempt) => this.send(attempt), () => (this.ended ??= new AbortController()).signal).then(undefined, (error: unknown) => {
        call.endWith(GrpcError.from(error), this.lastTrailers);
      });
    }
    if (!(body instanceof Uint8Array)) void this.pump(body);
  }

  /** One attempt of the loop: resolves when the call commits to it, rejects with its status otherwise. */
  private send(attempt: Attempt): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.settled) return reject(errors.cancelled("call ended"));
      const handler = new StreamAttempt(this, attempt, resolve, reject);
      this.live.push(handler);
      handler.open();
    });
  }

  /* ---------------------------------------------------------- AttemptOwner */

  headersFor(attempt: Attempt): Metadata | GrpcError {
    const headers = this.spec.headers;
    return typeof headers === "function" ? headers(attempt) : headers;
  }

  pick(attempt: Attempt): ClientSession | Promise<ClientSession> {
    return this.wire.pick(attempt.signal === NEVER_ABORTED ? this.spec.signal : attempt.signal, attempt.timeoutMs, this.spec.waitForReady);
  }

  replay(stream: ClientStream): void {
    const frames = this.frames;
    const last = frames.length - 1;
    for (let i = 0; i <= last; i++) stream.sendMessage(frames[i] as Uint8Array, this.halfClosed && i === last);
    if (this.halfClosed && last < 0) stream.end();
  }

  opened(attempt: StreamAttempt): void {
    if (this.overflowed) this.commit(attempt);
    this.wake();
  }

  commit(attempt: StreamAttempt): void {
    if (this.committed !== null || !this.live.includes(attempt)) return;
    this.committed = attempt;
    // One attempt (the usual case): the list is emptied in place, no array is made.
    const others = this.live.length === 1 ? null : this.live;
    if (others === null) this.live.length = 0;
    else this.live = [];
    this.call.stream = attempt.stream;
    this.release();
    attempt.commit(); // the loop ends with it; a hedging loop cancels the other attempts
    if (others !== null) for (const other of others) if (other !== attempt) other.abandon(errors.cancelled("the call committed to another attempt"));
    this.wake();
  }

  dropped(attempt: StreamAttempt, trailers: HeaderMap | null): void {
    const index = this.live.indexOf(attempt);
    if (index >= 0) this.live.splice(index, 1);
    this.lastTrailers = trailers;
    this.wake();
  }

  transparentRetry(): void {
    this.wire.stats.transparentRetries++;
  }

  wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  /* ---------------------------------------------------------- requests */

  /** Keeps a request for replay; false when it does not fit the per-call or the client's buffer. */
  private keep(frame: Uint8Array): boolean {
    const budget = this.wire.budget;
    if ((!this.spec.policy && this.frames.length > 0) || this.bufferedBytes + frame.length > budget.perCallBytes || !budget.reserve(frame.length)) {
      if (this.spec.policy) this.wire.stats.overBufferLimit++;
      return false;
    }
    this.frames.push(frame);
    this.bufferedBytes += frame.length;
    return true;
  }

  private release(): void {
    this.wire.budget.release(this.bufferedBytes);
    this.bufferedBytes = 0;
    this.frames.length = 0;
  }

  private changed(): Promise<void> {
    return new Promise<void>((resolve) => { this.waiter = resolve; });
  }

  private firstOpen(): StreamAttempt | null {
    for (const attempt of this.live) if (attempt.isOpen) return attempt;
    return null;
  }

  /** Pulls the caller's requests while an attempt can take them; each goes to every open attempt. */
  private async pump(requests: AsyncIterable<Uint8Array>): Promise<void> {
    const call = this.call;
    const limit = this.spec.maxRequestMessageBytes;
    try {
      let index = 0;
      for await (const message of requests) {
        if (call.isSettled) return; // leaving the loop also closes the caller's iterable
        if (limit !== undefined && message.length > limit) return call.abortLocally(errors.messageTooLarge(message.length, limit));
        // write() answers at once unless it must wait (no open attempt, the engine full): no promise per message.
        let sent = this.write(call.frame(message, index++));
        if (sent instanceof Promise) sent = await sent;
        if (!sent) return;
      }
      if (call.isSettled) return;
      if (this.committed !== null) this.committed.stream?.end();
      else {
        this.halfClosed = true;
        for (const attempt of this.live) if (attempt.isOpen) attempt.stream?.end();
      }
    } catch (error) {
      call.abortLocally(error instanceof GrpcError ? error : errors.requestStreamFailed(error));
    }
  }

  /** Sends one request frame; false once the call is over. Waits while no attempt is open or the engine is full. */
  private write(frame: Uint8Array): boolean | Promise<boolean> {
    if (this.settled) return false;
    if (this.committed === null && this.firstOpen() === null) return this.changed().then(() => this.write(frame));
    if (this.committed === null && !this.keep(frame)) {
      const attempt = this.firstOpen();
      if (attempt !== null) this.commit(attempt);
    }
    const committed = this.committed;
    if (committed !== null) {
      const stream = committed.stream;
      if (stream === null) return false;
      if (stream.sendMessage(frame, false) === false) return this.changed().then(() => !this.settled);
      return true;
    }
    let full = false;
    for (const attempt of this.live) if (attempt.isOpen && attempt.stream?.sendMessage(frame, false) === false) full = true;
    return full ? this.changed().then(() => !this.settled) : true;
  }

  /** The call ended (any way): uncommitted attempts are cancelled, the buffer freed, the loop stopped. */
  private finish(): void {
    // No error is made when nothing needs one: a GrpcError (its stack trace) would be a cost on every call.
    if (this.ended !== null || this.live.length > 0) {
      const reason = errors.cancelled("call ended");
      this.ended?.abort(reason);
      for (const attempt of this.live.splice(0)) attempt.abandon(reason);
    }
    this.release();
    this.wake();
  }
}
