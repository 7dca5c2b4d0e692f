/**
 * What every client call does with its HTTP/2 stream, unary or streaming: the local deadline and abort signal, the
 * response headers and trailers (grpc-status, grpc-message), a response that is too large, and the few checks on
 * how the stream closed. The subclasses (unary-call.ts, streaming-call.ts) decide what the response messages become
 * and how the call settles.
 */
import type { ClientStream, HeaderMap } from "../engine/types.js";
import { type Code, parseCode } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import { decompress } from "../protocol/compression.js";
import type { FrameError } from "../protocol/framing.js";
import { H2_REFUSED_STREAM, decodeGrpcMessage } from "../protocol/status-mapping.js";
import { type ResponseListener, notifyHeaders, notifyTrailers } from "./response-metadata.js";

export function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Inflates a compressed response message with the grpc-encoding of the response headers. */
export function responseBytes(headers: HeaderMap | null, message: Uint8Array, maxMessageBytes: number): Uint8Array {
  return decompress(firstValue(headers?.["grpc-encoding"]), message, maxMessageBytes);
}

export abstract class ClientCallAttempt {
  stream: ClientStream | null = null;
  protected httpStatus = 0;
  protected status: Code | undefined;
  protected statusMessage = "";
  /** Trailers as received (the headers of a trailers-only response), once they came. */
  trailers: HeaderMap | null = null;
  /** Response headers, once they came. */
  headers: HeaderMap | null = null;
  /** Told the response headers and trailers when the call settles; null (the hot path) when nobody asked. */
  listener: ResponseListener | null = null;
  /** The deadline the call was armed with (a transparent retry's wait in the pool uses it). */
  timeoutMs: number | undefined = undefined;
  protected settled = false;
  private timer: NodeJS.Timeout | null = null;
  private signal: AbortSignal | undefined;

  constructor(protected readonly maxMessageBytes: number) {}

  /** Ends the call locally (deadline, abort, a bad response): cancels the stream and settles with `error`. */
  abstract abortLocally(error: GrpcError): void;

  /** Arms the local deadline and the abort signal; both cancel the stream. */
  arm(timeoutMs: number | undefined, signal: AbortSignal | undefined): void {
    this.timeoutMs = timeoutMs;
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

  /** The local deadline and abort signal, for a transparent retry's new stream. */
  get callSignal(): AbortSignal | undefined {
    return this.signal;
  }

  get isSettled(): boolean {
    return this.settled;
  }

  /* ---------------------------------------------------------- engine events */

  onHeaders(httpStatus: number, headers: HeaderMap, endStream: boolean): void {
    this.httpStatus = httpStatus;
    this.headers = headers;
    if (this.listener !== null) notifyHeaders(this.listener, headers, endStream);
    if (endStream) this.onTrailers(headers);
  }

  onTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.status = parseCode(firstValue(trailers["grpc-status"]));
    this.statusMessage = decodeGrpcMessage(firstValue(trailers["grpc-message"]) ?? "");
  }

  onFrameError(error: FrameError): void {
    this.abortLocally(errors.messageTooLarge(error.size, error.limit));
  }

  /** No response headers and REFUSED_STREAM: the server never processed the stream, so sending it again is safe. */
  protected refusedUnprocessed(resetCode: number | null): boolean {
    return resetCode === H2_REFUSED_STREAM && this.httpStatus === 0;
  }

  /** The first part of settling, the same for every call: no more timer or abort listener, the trailers told. */
  protected markSettled(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    if (this.listener !== null) notifyTrailers(this.listener, this.trailers);
  }
}
