/**
 * One unary call on the client: sends the request frame, collects the response and the status, and settles
 * exactly once — with the response, or with a GrpcError derived from grpc-status, an RST_STREAM code, the HTTP
 * status or the local deadline / abort, in that order of trust.
 */
import type { ClientStreamHandler } from "../engine/types.js";
import type { Metadata } from "../protocol/metadata.js";
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import { type FrameSink, MessageReader } from "../protocol/framing.js";
import type { WireFrame } from "../protocol/wire-frame.js";
import { statusWithoutGrpcStatus } from "../protocol/status-mapping.js";
import { ClientCallAttempt, responseBytes } from "./call-attempt.js";
import { statusError } from "./response-metadata.js";

export class ClientUnaryCall extends ClientCallAttempt implements ClientStreamHandler, FrameSink {
  private readonly reader: MessageReader;
  private response: Uint8Array | null = null;
  private extraMessages = false;
  private localError: GrpcError | null = null;
  /** Waits for a reachable server until the deadline instead of failing fast; undefined: the client's default. */
  waitForReady: boolean | undefined = undefined;
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

  constructor(
    private readonly resolve: (message: Uint8Array) => void,
    private readonly reject: (error: GrpcError) => void,
    maxMessageBytes: number,
  ) {
    super(maxMessageBytes);
    this.reader = new MessageReader(this, maxMessageBytes);
  }

  abortLocally(error: GrpcError): void {
    if (this.settled) return;
    this.localError = error;
    this.stream?.cancel();
    this.settle();
  }

  /* ---------------------------------------------------------- engine events */

  onData(chunk: Uint8Array): void {
    if (this.httpStatus === 200) this.reader.push(chunk);
  }

  onClose(resetCode: number | null, error?: Error): void {
    if (this.settled) return;
    if (this.refusedUnprocessed(resetCode) && this.resend !== null && this.resend(this)) {
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

  /* ---------------------------------------------------------- outcome */

  private settle(): void {
    this.markSettled();
    if (this.localError) return this.reject(this.localError);
    const code = this.status ?? Code.UNKNOWN;
    if (code !== Code.OK) return this.reject(statusError(code, this.statusMessage, this.trailers));
    if (this.response === null) return this.reject(errors.noResponseMessage());
    if (this.extraMessages) return this.reject(new GrpcError(Code.UNIMPLEMENTED, "unary call received more than one response message"));
    this.resolve(this.response);
  }
}
