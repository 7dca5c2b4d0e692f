/**
 * One unary call on the client: sends the request frame, collects the response and the status, and settles
 * exactly once — with the response, or with a GrpcError derived from grpc-status, an RST_STREAM code, the HTTP
 * status or the local deadline / abort, in that order of trust.
 */
import type { ClientStream, ClientStreamHandler, HeaderMap } from "../engine/types.js";
import type { Metadata } from "../protocol/metadata.js";
import { Code } from "../errors/codes.js";
import { parseCode } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import { decompress } from "../protocol/compression.js";
import { type FrameError, type FrameSink, MessageReader } from "../protocol/framing.js";
import type { WireFrame } from "../protocol/wire-frame.js";
import { H2_REFUSED_STREAM, decodeGrpcMessage, statusWithoutGrpcStatus } from "../protocol/status-mapping.js";
import { type ResponseListener, notifyHeaders, notifyTrailers, statusError } from "./response-metadata.js";

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Inflates a compressed response message with the grpc-encoding of the response headers. */
export function responseBytes(headers: HeaderMap | null, message: Uint8Array, maxMessageBytes: number): Uint8Array {
  return decompress(first(headers?.["grpc-encoding"]), message, maxMessageBytes);
}

export class ClientUnaryCall implements ClientStreamHandler, FrameSink {
  stream: ClientStream | null = null;
  private readonly reader: MessageReader;
  private response: Uint8Array | null = null;
  private extraMessages = false;
  private httpStatus = 0;
  private status: Code | undefined;
  private statusMessage = "";
  /** Trailers as received (the headers of a trailers-only response), once they came. */
  trailers: HeaderMap | null = null;
  private localError: GrpcError | null = null;
  private settled = false;
  private timer: NodeJS.Timeout | null = null;
  private signal: AbortSignal | undefined;
  /** Response headers, kept for callers that ask for them. */
  headers: HeaderMap | null = null;
  /** Waits for a reachable server until the deadline instead of failing fast; undefined: the client's default. */
  waitForReady: boolean | undefined = undefined;
  /** Told the response headers and trailers when the call settles; null (the hot path) when nobody asked. */
  listener: ResponseListener | null = null;
  /**
   * Transparent retry: sends the call again when the server never processed it (REFUSED_STREAM, which the engines
   * also report for streams above a GOAWAY's last-stream-id); false when it will not. Null: no retry.
   */
  resend: ((call: ClientUnaryCall) => boolean) | null = null;
  /** What the call sent, kept (by reference, no copy) for a transparent retry. */
  path = "";
  requestHeaders: Metadata | null = null;
  frame: WireFrame | null = null;
  /** Attempts before this one: transparent retries and those of a retry or hedging policy. */
  previousAttempts = 0;
  transparentRetries = 0;
  /** The deadline the call was armed with, for a transparent retry's wait in the pool. */
  timeoutMs: number | undefined = undefined;

  constructor(
    private readonly resolve: (message: Uint8Array) => void,
    private readonly reject: (error: GrpcError) => void,
    private readonly maxMessageBytes: number,
  ) {
    this.reader = new MessageReader(this, maxMessageBytes);
  }

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

  abortLocally(error: GrpcError): void {
    if (this.settled) return;
    this.localError = error;
    this.stream?.cancel();
    this.settle();
  }

  /* ---------------------------------------------------------- engine events */

  onHeaders(httpStatus: number, headers: HeaderMap, endStream: boolean): void {
    this.httpStatus = httpStatus;
    this.headers = headers;
    if (this.listener !== null) notifyHeaders(this.listener, headers, endStream);
    if (endStream) this.onTrailers(headers);
  }

  onData(chunk: Uint8Array): void {
    if (this.httpStatus === 200) this.reader.push(chunk);
  }

  onTrailers(trailers: HeaderMap): void {
    this.trailers = trailers;
    this.status = parseCode(first(trailers["grpc-status"]));
    this.statusMessage = decodeGrpcMessage(first(trailers["grpc-message"]) ?? "");
  }

  onClose(resetCode: number | null, error?: Error): void {
    if (this.settled) return;
    // No response headers and REFUSED_STREAM: the server never processed the stream, sending it again is safe.
    if (resetCode === H2_REFUSED_STREAM && this.httpStatus === 0 && this.resend !== null && this.resend(this)) {
      this.stream = null;
      return;
    }
    if (this.status === undefined && this.localError === null) this.localError = statusWithoutGrpcStatus(this.httpStatus, resetCode, error);
    this.settle();
  }

  /* ---------------------------------------------------------- framing */

  onMessage(message: Uint8Array, compressed: boolean): void {
    if (this.listener !== null) this.listener.onResponseMessage?.(compressed);
    if (this.response !== null) {
      this.extraMessages = true;
      return;
    }
    if (!compressed) {
      this.response = message;
      return;
    }
    try {
      this.response = responseBytes(this.headers, message, this.maxMessageBytes);
    } catch (error) {
      this.abortLocally(GrpcError.from(error, Code.INTERNAL));
    }
  }

  onFrameError(error: FrameError): void {
    this.abortLocally(errors.messageTooLarge(error.size, error.limit));
  }

  /* ---------------------------------------------------------- outcome */

  private settle(): void {
    this.settled = true;
    if (this.timer) clearTimeout(this.timer);
    this.signal?.removeEventListener("abort", this.onAbort);
    if (this.listener !== null) notifyTrailers(this.listener, this.trailers);
    if (this.localError) return this.reject(this.localError);
    const code = this.status ?? Code.UNKNOWN;
    if (code !== Code.OK) return this.reject(statusError(code, this.statusMessage, this.trailers));
    if (this.response === null) return this.reject(errors.noResponseMessage());
    if (this.extraMessages) return this.reject(new GrpcError(Code.UNIMPLEMENTED, "unary call received more than one response message"));
    this.resolve(this.response);
  }
}
