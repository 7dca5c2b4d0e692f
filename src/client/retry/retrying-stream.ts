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
  /** Whether the call runs under a retry or hedging policy (counted in retryStats().overBufferLimit). */
  readonly policy: boolean;
  headersFor(attempt: Attempt): Metadata | GrpcError;
  /**
   * Runs the attempts: the policy's loop, or one attempt (transparent retry only) whose signal is NEVER_ABORTED.
   * `ended` gives the signal aborted when the call ends (made on first use: a call without a policy never needs it).
   */
  run(send: AttemptSender<void>, ended: () => AbortSignal): Promise<void>;
}

export class RetryingStream<T> implements AttemptOwner {
  private readonly frames: Uint8Array[] = [];
  private bufferedBytes = 0;
  private halfClosed = false;
  /** The buffer limit was hit before an attempt was open: the first attempt to open commits at once. */
  private overflowed = false;
  private committed: StreamAttempt | null = null;
  private readonly live = new Set<StreamAttempt>();
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
    this.spec.run((attempt) => this.send(attempt), () => (this.ended ??= new AbortController()).signal).then(undefined, (error: unknown) => {
      call.endWith(GrpcError.from(error), this.lastTrailers);
    });
    if (!(body instanceof Uint8Array)) void this.pump(body);
  }

  /** One attempt of the loop: resolves when the call commits to it, rejects with its status otherwise. */
  private send(attempt: Attempt): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      if (this.settled) return reject(errors.cancelled("call ended"));
      const handler = new StreamAttempt(this, attempt, resolve, reject);
      this.live.add(handler);
      handler.open();
    });
  }

  /* ---------------------------------------------------------- AttemptOwner */

  headersFor(attempt: Attempt): Metadata | GrpcError {
    return this.spec.headersFor(attempt);
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
    if (this.committed !== null || !this.live.has(attempt)) return;
    this.committed = attempt;
    this.live.delete(attempt);
    this.call.stream = attempt.stream;
    this.release();
    attempt.commit(); // the loop ends with it; a hedging loop cancels the other attempts
    for (const other of this.live) other.abandon(errors.cancelled("the call committed to another attempt"));
    this.wake();
  }

  dropped(attempt: StreamAttempt, trailers: HeaderMap | null): void {
    this.live.delete(attempt);
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
    if (this.bufferedBytes + frame.length > budget.perCallBytes || !budget.reserve(frame.length)) {
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
    if (this.ended !== null || this.live.size > 0) {
      const reason = errors.cancelled("call ended");
      this.ended?.abort(reason);
      for (const attempt of this.live) attempt.abandon(reason);
      this.live.clear();
    }
    this.release();
    this.wake();
  }
}
