/**
 * One streaming call on the client (server-streaming, client-streaming or bidi). Responses are decoded into a
 * MessageQueue the caller iterates; requests from the caller's AsyncIterable are sent by retry/retrying-stream.ts
 * (which keeps them for retries until the call commits), only while the engine takes them. Flow control both ways:
 *   - responses: input pauses once RESPONSE_HIGH_WATER_BYTES are queued unread (the engine then stops granting
 *     the server HTTP/2 window) and resumes when the caller has read them;
 *   - requests: the caller's iterable is not advanced while the engine reports its buffer full.
 * The call ends exactly once: with the status from the trailers (OK ends the response stream, anything else makes
 * it throw a GrpcError after the messages that came before), or locally (deadline, abort signal, the caller
 * leaving the for-await early, a failing request iterable), which cancels the HTTP/2 stream.
 */
import type { ClientStream, ClientStreamHandler, HeaderMap } from "../engine/types.js";
import { Code, parseCode } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import { type FrameError, type FrameSink, FRAME_HEADER_BYTES, MessageReader, encodeFrame } from "../protocol/framing.js";
import type { MessageCompressor } from "../protocol/compression.js";
import { H2_REFUSED_STREAM, decodeGrpcMessage, statusWithoutGrpcStatus } from "../protocol/status-mapping.js";
import { MessageQueue } from "../server/message-queue.js";
import { type ResponseListener, notifyHeaders, notifyTrailers, statusError } from "./response-metadata.js";
import { responseBytes } from "./unary-call.js";

/** Unread response bytes (wire size) above which the client stops reading from the server. */
export const RESPONSE_HIGH_WATER_BYTES = 64 * 1024;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

export class ClientStreamingCall<T> implements ClientStreamHandler, FrameSink {
  stream: ClientStream | null = null;
  readonly responses: MessageQueue<T>;
  private readonly reader: MessageReader;
  private httpStatus = 0;
  private status: Code | undefined;
  private statusMessage = "";
  /** Trailers as received (the headers of a trailers-only response), once they came. */
  trailers: HeaderMap | null = null;
  private settled = false;
  private timer: NodeJS.Timeout | null = null;
  private signal: AbortSignal | undefined;
  /** Response headers, once they came. */
  headers: HeaderMap | null = null;
  /** Told the response headers and trailers when the call ends; null when nobody asked. */
  listener: ResponseListener | null = null;

  /** Set when the call compresses its requests (grpc-encoding). */
  compressor: MessageCompressor | null = null;
  /** Per-message choice on a compressed call: is request number `index` (from 0) compressed. */
  compressRequest: ((index: number) => boolean) | undefined;
  /**
   * Transparent retry of a call whose one request is already known (server-streaming): sends it again when the
   * server never processed the stream (REFUSED_STREAM before response headers); false when it will not.
   */
  resend: ((call: ClientStreamingCall<T>) => boolean) | null = null;
  /** Told once when the call ends (a retrying call cancels its other attempts and frees its buffer); null: nobody. */
  onSettle: (() => void) | null = null;

  constructor(
    private readonly decode: (bytes: Uint8Array) => T,
    private readonly maxMessageBytes: number,
  ) {
    this.reader = new MessageReader(this, maxMessageBytes);
    this.responses = new MessageQueue<T>(
      RESPONSE_HIGH_WATER_BYTES,
      { pause: () => this.stream?.pauseInput?.(), resume: () => this.stream?.resumeInput?.() },
      () => this.abortLocally(errors.cancelled("the caller stopped reading the response stream")),
    );
  }

  /** Arms the local deadline and the abort signal; both cancel the stream. */
  arm(timeoutMs: number | undefined, signal: AbortSignal | undefined): void {
    if (timeoutMs !== undefined) this.timer = setTimeout(() => this.abortLocally(errors.deadlineExceeded()), timeoutMs);
    if (signal) {
      this.signal = signal;
      signal.addEventListener("abort", this.onAbort, { once: true });
    }
  }

  private readonly onAbort = (): void => {
    const reason: unknown = this.signal?.reason;
    this.abortLocally(reason instanceof GrpcError ? reason : errors.cancelled("call aborted by the caller"));
  };

  get isSettled(): boolean {
    return this.settled;
  }

  abortLocally(error: GrpcError): void {
    if (this.settled) return;
    this.stream?.cancel();
    this.settle(error);
  }

  /** Ends the call with a status decided elsewhere (the last failed attempt of a retrying call) and its trailers. */
  endWith(error: GrpcError, trailers: HeaderMap | null): void {
    if (this.settled) return;
    // A trailers-only answer, as onHeaders(endStream) would have seen it on a call that is never retried.
    if (trailers !== null && this.headers === null) {
      this.headers = trailers;
      if (this.listener !== null) notifyHeaders(this.listener, trailers, true);
    }
    this.trailers = trailers;
    this.settle(error);
  }

  /** A request's frame: compressed only on a compressed call (and when the per-message choice says so). */
  frame(message: Uint8Array, index: number): Uint8Array {
    const compressor = this.compressor;
    if (compressor === null) return encodeFrame(message);
    compressor.enabled = this.compressRequest?.(index) ?? true;
    return compressor.frame(message, encodeFrame);
  }

  /* ---------------------------------------------------------- engine events */

  onHeaders(httpStatus: number, headers: HeaderMap, endStream: boolean): void {
    this.httpStatus = httpStatus;
    this.headers = headers;
    if (this.listener !== null) notifyHeaders(this.listener, headers, endStream);
    if (endStream) this.onTrailers(headers);
  }

  onData(chunk: Uint8Array): void {
    if (this.httpStatus === 200 && !this.settled) this.reader.push(chunk);
  }

  onTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.status = parseCode(first(trailers["grpc-status"]));
    this.statusMessage = decodeGrpcMessage(first(trailers["grpc-message"]) ?? "");
  }

  onClose(resetCode: number | null, error?: Error): void {
    if (this.settled) return;
    if (resetCode === H2_REFUSED_STREAM && this.httpStatus === 0 && this.resend !== null && this.resend(this)) {
      this.stream = null;
      return;
    }
    if (this.status === Code.OK) return this.settle(this.reader.midMessage ? errors.truncatedMessage() : null);
    if (this.status !== undefined) {
      return this.settle(statusError(this.status, this.statusMessage, this.trailers));
    }
    this.settle(statusWithoutGrpcStatus(this.httpStatus, resetCode, error));
  }

  /* ---------------------------------------------------------- framing */

  onMessage(wire: Uint8Array, compressed: boolean): void {
    if (this.listener !== null) this.listener.onResponseMessage?.(compressed);
    let message = wire;
    if (compressed) {
      try {
        message = responseBytes(this.headers, wire, this.maxMessageBytes);
      } catch (error) {
        return this.abortLocally(GrpcError.from(error, Code.INTERNAL));
      }
    }
    let value: T;
    try {
      value = this.decode(message);
    } catch (cause) {
      return this.abortLocally(errors.undecodableResponse(cause));
    }
    this.responses.push(value, wire.length + FRAME_HEADER_BYTES);
  }

  onFrameError(error: FrameError): void {
    this.abortLocally(errors.messageTooLarge(error.size, error.limit));
  }

  /* ---------------------------------------------------------- outcome */

  private settle(error: GrpcError | null): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    if (this.listener !== null) notifyTrailers(this.listener, this.trailers);
    if (error === null) this.responses.end();
    else this.responses.fail(error);
    this.onSettle?.(); // the request pump (retrying-stream.ts) stops, other attempts are cancelled
  }
}
