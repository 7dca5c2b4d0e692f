/**
 * One unary call on the server: collects the request message from DATA chunks, runs the handler once the client
 * half-closes, and answers with the response or a status. Everything that can go wrong ends as a status on this
 * stream and never reaches the process.
 */
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import type { ServerStream, ServerStreamHandler } from "../engine/types.js";
import { type FrameError, type FrameSink, MessageReader, encodeFrame } from "../protocol/framing.js";
import type { Metadata } from "../protocol/metadata.js";
import type { Logger } from "../log/logger.js";
import type { CallContext, UnaryMethod } from "./service.js";

/** What the server's shutdown needs from a call in flight, unary or streaming. */
export interface ActiveCall {
  forceClose(error: GrpcError): void;
}

/** Shared per-server state a call needs; one object, so a call costs one pointer for it. */
export interface CallEnvironment {
  readonly log: Logger;
  readonly maxMessageBytes: number;
  /** Calls in flight, so shutdown can wait for them. */
  readonly active: Set<ActiveCall>;
  onCallDone(): void;
}

export class UnaryCall implements ServerStreamHandler, FrameSink, CallContext, ActiveCall {
  private readonly reader: MessageReader;
  private request: Uint8Array | null = null;
  private done = false;
  private controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  private headersOut: Metadata | null = null;
  private trailersOut: Metadata | null = null;
  /** performance.now() at the start, only when metrics are on. */
  private startedAt = 0;
  readonly deadline: number | undefined;

  constructor(
    private readonly stream: ServerStream,
    private readonly method: UnaryMethod,
    private readonly env: CallEnvironment,
    timeoutMs: number | undefined,
  ) {
    this.reader = new MessageReader(this, env.maxMessageBytes, false);
    env.active.add(this);
    if (method.stats !== null) this.startedAt = method.stats.start();
    if (timeoutMs !== undefined) {
      this.deadline = Date.now() + timeoutMs;
      this.timer = setTimeout(() => this.expire(), timeoutMs);
    }
  }

  /* ---------------------------------------------------------- CallContext */

  get signal(): AbortSignal {
    // Created on first use: most handlers never look, and an AbortController per call is measurable.
    this.controller ??= new AbortController();
    return this.controller.signal;
  }
  get path(): string {
    return this.method.path;
  }
  get peer() {
    return this.stream.peer;
  }
  get log(): Logger {
    return this.env.log;
  }
  metadata(): Metadata {
    return this.stream.metadata();
  }
  get responseHeaders(): Metadata {
    return (this.headersOut ??= {});
  }
  get responseTrailers(): Metadata {
    return (this.trailersOut ??= {});
  }

  /* ---------------------------------------------------------- engine events */

  onData(chunk: Uint8Array): void {
    if (!this.done) this.reader.push(chunk);
  }

  onEnd(): void {
    if (this.done) return;
    if (this.reader.midMessage) return this.fail(errors.truncatedMessage());
    const request = this.request;
    if (request === null) return this.fail(errors.unaryWithoutRequest());
    this.run(request);
  }

  onCancel(): void {
    if (this.done) return;
    this.finish(Code.CANCELLED);
    this.abort(errors.cancelledByClient());
  }

  /* ---------------------------------------------------------- framing */

  onMessage(message: Uint8Array): void {
    if (this.request !== null) return this.fail(errors.unaryWithManyRequests());
    this.request = message;
  }

  onFrameError(error: FrameError): void {
    if (error.kind === "too-large") return this.fail(errors.messageTooLarge(error.size, error.limit));
    const encoding = this.stream.header("grpc-encoding");
    this.fail(encoding === undefined || encoding === "identity" ? errors.compressedWithoutEncoding() : errors.unsupportedEncoding(encoding));
  }

  /* ---------------------------------------------------------- handler */

  private run(requestBytes: Uint8Array): void {
    let request: unknown;
    try {
      request = this.method.requestCodec.decode(requestBytes);
    } catch (cause) {
      return this.fail(errors.undecodableRequest(cause));
    }
    let result: unknown;
    try {
      result = this.method.handler(request, this);
    } catch (error) {
      return this.handlerFailed(error);
    }
    if (isPromiseLike(result)) {
      result.then((response) => this.respond(response), (error: unknown) => this.handlerFailed(error));
    } else {
      this.respond(result);
    }
  }

  private respond(response: unknown): void {
    if (this.done) return;
    let frame: Uint8Array;
    try {
      frame = encodeFrame(this.method.responseCodec.encode(response));
    } catch (error) {
      return this.fail(new GrpcError(Code.INTERNAL, "response message could not be encoded", { cause: error }));
    }
    this.finish(Code.OK);
    this.stream.sendUnary(frame, this.headersOut ?? undefined, this.trailersOut ?? undefined);
  }

  private handlerFailed(error: unknown): void {
    if (error instanceof GrpcError) return this.fail(error);
    // A handler bug: log it with its stack, answer UNKNOWN without leaking internals.
    this.env.log.error({ err: error, method: this.method.path }, "handler threw");
    this.fail(errors.handlerFailed(error));
  }

  private fail(error: GrpcError): void {
    if (this.done) return;
    this.finish(error.code);
    const trailers = { ...this.trailersOut, ...error.metadata };
    this.stream.sendTrailers(error.code, error.rawMessage, trailers);
    this.abort(error);
  }

  private expire(): void {
    this.timer = null;
    this.fail(errors.deadlineExceeded());
  }

  /** Used by the server's force-close at the end of the shutdown grace period. */
  forceClose(error: GrpcError): void {
    this.fail(error);
  }

  private finish(code: Code): void {
    this.done = true;
    if (this.method.stats !== null) this.method.stats.end(this.startedAt, code);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.env.active.delete(this);
    this.env.onCallDone();
  }

  private abort(reason: GrpcError): void {
    if (this.controller) this.controller.abort(reason);
    else {
      // The handler has not looked at the signal yet; if it does later, it must see it aborted.
      this.controller = new AbortController();
      this.controller.abort(reason);
    }
  }
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
