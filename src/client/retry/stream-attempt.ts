/**
 * One attempt of a retrying streaming call (retrying-stream.ts): the engine's handler for that attempt's HTTP/2
 * stream. Until the call commits to it, it only watches: response headers (or an OK trailers-only answer) commit
 * the call to this attempt, after which every engine event is forwarded to the caller's ClientStreamingCall
 * unchanged; a status or reset before that fails the attempt (the attempt loop then decides), and REFUSED_STREAM
 * before any answer sends the same attempt again (transparent retry) with the buffered requests.
 */
import type { ClientSession, ClientStream, ClientStreamHandler, HeaderMap } from "../../engine/types.js";
import { errors } from "../../errors/catalog.js";
import { Code, parseCode } from "../../errors/codes.js";
import { GrpcError } from "../../errors/grpc-error.js";
import type { Metadata } from "../../protocol/metadata.js";
import { H2_REFUSED_STREAM, decodeGrpcMessage, statusWithoutGrpcStatus } from "../../protocol/status-mapping.js";
import { statusError } from "../response-metadata.js";
import type { Attempt } from "./attempts.js";
import { MAX_TRANSPARENT_RETRIES } from "./transparent-retry.js";

/** The signal of an attempt nothing but the call's end stops (no policy): not listened to, so it costs nothing. */
export const NEVER_ABORTED: AbortSignal = new AbortController().signal;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** What an attempt needs from its call (RetryingStream). */
export interface AttemptOwner {
  readonly path: string;
  readonly settled: boolean;
  /** The call's events after commit go here (the caller's ClientStreamingCall). */
  readonly target: ClientStreamHandler;
  headersFor(attempt: Attempt): Metadata | GrpcError;
  pick(attempt: Attempt): ClientSession | Promise<ClientSession>;
  /** Sends the buffered requests (and the half-close, if the caller made it) on a new stream. */
  replay(stream: ClientStream): void;
  /** This attempt's stream is open: the request pump may write to it; it commits at once if the buffer overflowed. */
  opened(attempt: StreamAttempt): void;
  commit(attempt: StreamAttempt): void;
  /** The attempt is over without commit (failed, abandoned): it takes no more requests. */
  dropped(attempt: StreamAttempt, trailers: HeaderMap | null): void;
  transparentRetry(): void;
  wake(): void;
}

export class StreamAttempt implements ClientStreamHandler {
  stream: ClientStream | null = null;
  /** The call is committed to this attempt: engine events go to the caller's call. */
  forwarding = false;
  private over = false;
  private httpStatus = 0;
  private trailers: HeaderMap | null = null;
  private transparentRetries = 0;
  private headers: Metadata | GrpcError | null = null;

  constructor(
    private readonly owner: AttemptOwner,
    readonly attempt: Attempt,
    private readonly resolve: () => void,
    private readonly reject: (error: GrpcError) => void,
  ) {
    if (attempt.signal === NEVER_ABORTED) return;
    attempt.signal.addEventListener("abort", () => {
      const reason: unknown = attempt.signal.reason;
      this.abandon(reason instanceof GrpcError ? reason : errors.cancelled("attempt cancelled"));
    }, { once: true });
  }

  get isOpen(): boolean {
    return !this.over && !this.forwarding && this.stream !== null;
  }

  /** Picks a session and opens this attempt's stream on it. */
  open(): void {
    if (this.over || this.owner.settled) return;
    let session: ClientSession | Promise<ClientSession>;
    try {
      session = this.owner.pick(this.attempt);
    } catch (error) {
      return this.fail(GrpcError.from(error, Code.UNAVAILABLE));
    }
    if (session instanceof Promise) session.then((opened) => this.begin(opened), (error: unknown) => this.fail(GrpcError.from(error, Code.UNAVAILABLE)));
    else this.begin(session);
  }

  private begin(session: ClientSession): void {
    if (this.over || this.owner.settled) return;
    const headers = (this.headers ??= this.owner.headersFor(this.attempt));
    if (headers instanceof GrpcError) return this.fail(headers);
    try {
      const stream = session.request(this.owner.path, headers, this);
      this.stream = stream;
      this.owner.replay(stream);
    } catch (error) {
      return this.fail(errors.connectionClosed(error));
    }
    this.owner.opened(this);
  }

  /** The call commits to this attempt: from now on it is the call's stream. */
  commit(): void {
    this.forwarding = true;
    this.resolve();
  }

  /** Another attempt won, the call ended or the caller cancelled: cancel this one's stream. */
  abandon(reason: GrpcError): void {
    if (this.over || this.forwarding) return;
    this.stream?.cancel();
    this.fail(reason);
  }

  private fail(error: GrpcError): void {
    if (this.over) return;
    this.over = true;
    this.stream = null;
    this.owner.dropped(this, this.trailers);
    this.reject(error);
  }

  /* ---------------------------------------------------------- engine events */

  onHeaders(httpStatus: number, headers: HeaderMap, endStream: boolean): void {
    if (!this.forwarding) {
      if (this.over) return;
      this.httpStatus = httpStatus;
      // A trailers-only answer with a non-OK status decides nothing yet: onClose fails the attempt with it.
      if (endStream && parseCode(first(headers["grpc-status"])) !== Code.OK) {
        this.trailers = headers;
        return;
      }
      this.owner.commit(this);
    }
    this.owner.target.onHeaders(httpStatus, headers, endStream);
  }

  onData(chunk: Uint8Array): void {
    if (this.forwarding) this.owner.target.onData(chunk);
  }

  onTrailers(trailers: HeaderMap): void {
    if (this.forwarding) this.owner.target.onTrailers(trailers);
    else this.trailers = trailers;
  }

  onDrain(): void {
    if (this.forwarding) this.owner.target.onDrain?.();
    this.owner.wake();
  }

  onClose(resetCode: number | null, error?: Error): void {
    if (this.forwarding) return this.owner.target.onClose(resetCode, error);
    if (this.over) return;
    this.stream = null;
    // Never processed by the server: the same attempt goes out again (not counted against maxAttempts).
    if (resetCode === H2_REFUSED_STREAM && this.httpStatus === 0 && this.transparentRetries < MAX_TRANSPARENT_RETRIES && !this.owner.settled) {
      this.transparentRetries++;
      this.owner.transparentRetry();
      queueMicrotask(() => this.open()); // the engine is mid-callback
      return;
    }
    const trailers = this.trailers;
    const code = trailers === null ? undefined : parseCode(first(trailers["grpc-status"]));
    this.fail(code === undefined || trailers === null
      ? statusWithoutGrpcStatus(this.httpStatus, resetCode, error)
      : statusError(code, decodeGrpcMessage(first(trailers["grpc-message"]) ?? ""), trailers));
  }
}
