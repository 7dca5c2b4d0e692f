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
import type { ClientStreamHandler, HeaderMap } from "../engine/types.js";
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import { type FrameSink, FRAME_HEADER_BYTES, MessageReader, encodeFrame } from "../protocol/framing.js";
import type { MessageCompressor } from "../protocol/compression.js";
import { statusWithoutGrpcStatus } from "../protocol/status-mapping.js";
import { MessageQueue } from "../server/message-queue.js";
import { ClientCallAttempt, responseBytes } from "./call-attempt.js";
import { notifyHeaders, statusError } from "./response-metadata.js";

/** Unread response bytes (wire size) above which the client stops reading from the server. */
export const RESPONSE_HIGH_WATER_BYTES = 64 * 1024;

export class ClientStreamingCall<T> extends ClientCallAttempt implements ClientStreamHandler, FrameSink {
  readonly responses: MessageQueue<T>;
  private readonly reader: MessageReader;

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
    maxMessageBytes: number,
  ) {
    super(maxMessageBytes);
    this.reader = new MessageReader(this, maxMessageBytes);
    this.responses = new MessageQueue<T>(
      RESPONSE_HIGH_WATER_BYTES,
      { pause: () => this.stream?.pauseInput?.(), resume: () => this.stream?.resumeInput?.() },
      () => this.abortLocally(errors.cancelled("the caller stopped reading the response stream")),
    );
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

  onData(chunk: Uint8Array): void {
    if (this.httpStatus === 200 && !this.settled) this.reader.push(chunk);
  }

  onClose(resetCode: number | null, error?: Error): void {
    if (this.settled) return;
    if (this.refusedUnprocessed(resetCode) && this.resend !== null && this.resend(this)) {
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

  /* ---------------------------------------------------------- outcome */

  private settle(error: GrpcError | null): void {
    this.markSettled();
    if (error === null) this.responses.end();
    else this.responses.fail(error);
    this.onSettle?.(); // the request pump (retrying-stream.ts) stops, other attempts are cancelled
  }
}
