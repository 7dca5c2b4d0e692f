/**
 * What every call on the server shares, unary or streaming: the handler's CallContext, the deadline timer, the
 * lazily created AbortController, and the one way a call ends with a status (fail → finish → abort). Subclasses
 * handle the engine events and the handler itself.
 */
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import type { ServerStream } from "../engine/types.js";
import type { Logger } from "../log/logger.js";
import { type Codec, encodeWireFrameWith } from "../protocol/codec.js";
import type { WireFrame } from "../protocol/wire-frame.js";
import { type CompressionName, MessageCompressor, acceptsEncoding, decompress } from "../protocol/compression.js";
import { encodeFrame } from "../protocol/framing.js";
import { type CallMetadata, type Metadata, fromWireMetadata, toWireMetadata } from "../protocol/metadata.js";
import { STATUS_DETAILS_KEY, encodeStatusDetails } from "../errors/status-details.js";
import type { MethodStats, RunStart } from "./metrics.js";
import type { CallContext } from "./service.js";

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
  /** The server's default response compression (null: none, the default) and its size threshold. */
  readonly compression: CompressionName | null;
  readonly compressionThresholdBytes: number;
}

export abstract class ServerCall<
  M extends { readonly path: string; readonly stats: MethodStats | null; readonly responseCodec: Codec<unknown> },
>
  implements CallContext, ActiveCall {
  protected done = false;
  protected controller: AbortController | null = null;
  private timer: NodeJS.Timeout | null = null;
  protected headersOut: CallMetadata | null = null;
  protected trailersOut: CallMetadata | null = null;
  /** The request metadata in the caller's form, parsed once on first use (interceptors may change it). */
  private requestMetadata: CallMetadata | null = null;
  /** The metrics clock at the start, only when metrics are on. */
  private startedAt: RunStart | null = null;
  /** How responses are compressed; null (the default) costs the hot path one branch. */
  private compressor: MessageCompressor | null = null;
  /** Request messages that arrived compressed; made on the first one. */
  private compressedRequests: WeakSet<object> | null = null;
  /** The grpc-encoding the response headers announce (not user metadata, which may not set it); null: none. */
  private responseEncoding: CompressionName | null = null;
  /** Headers (with the grpc-encoding they announce) are on the wire: the call's algorithm is fixed. */
  protected headersSent = false;
  readonly deadline: number | undefined;

  constructor(
    protected readonly stream: ServerStream,
    protected readonly method: M,
    protected readonly env: CallEnvironment,
    timeoutMs: number | undefined,
  ) {
    env.active.add(this);
    if (method.stats !== null) this.startedAt = method.stats.start();
    if (timeoutMs !== undefined) {
      this.deadline = Date.now() + timeoutMs;
      this.timer = setTimeout(() => this.expire(), timeoutMs);
    }
    if (env.compression !== null) this.setCompression(env.compression);
  }

  /* ---------------------------------------------------------- CallContext */

  get signal(): AbortSignal {
    // Created on first use: most handlers never look, and an AbortController per call is measurable.
    this.controller ??= new AbortController();
    return this.controller.signal;
  }
  get ended(): boolean {
    return this.done;
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
  metadata(): CallMetadata {
    return (this.requestMetadata ??= fromWireMetadata(this.stream.metadata()));
  }
  get responseHeaders(): CallMetadata {
    return (this.headersOut ??= {});
  }
  get responseTrailers(): CallMetadata {
    return (this.trailersOut ??= {});
  }

  setCompression(name: CompressionName): void {
    if (this.headersSent) throw new TypeError("setCompression must be called before the first response message");
    // Only what the client said it can read (grpc-accept-encoding); anything else answers uncompressed.
    if (name === "identity" || !acceptsEncoding(this.stream.header("grpc-accept-encoding"), name)) {
      this.compressor = null;
      this.responseEncoding = null;
      return;
    }
    this.compressor = new MessageCompressor(name, this.env.compressionThresholdBytes);
    this.responseEncoding = name;
  }

  setMessageCompression(enabled: boolean): void {
    if (this.compressor !== null) this.compressor.enabled = enabled;
  }

  requestWasCompressed(request: unknown): boolean {
    return typeof request === "object" && request !== null && this.compressedRequests?.has(request) === true;
  }

  /** Remembers that a decoded request arrived compressed, for requestWasCompressed. */
  protected markCompressed(request: unknown): void {
    if (typeof request === "object" && request !== null) (this.compressedRequests ??= new WeakSet()).add(request);
  }

  /** A request message as the reader delivered it: inflated when its flag says compressed; null when the call failed. */
  protected requestBytes(message: Uint8Array, compressed: boolean): Uint8Array | null {
    if (!compressed) return message;
    try {
      return decompress(this.stream.header("grpc-encoding"), message, this.env.maxMessageBytes);
    } catch (error) {
      this.fail(GrpcError.from(error, Code.INTERNAL));
      return null;
    }
  }

  /**
   * Response metadata for the engine (bytes to base64); undefined when there is none. Metadata a handler set
   * that gRPC forbids is logged and left out rather than failing a call that has already produced its answer.
   */
  protected wire(metadata: CallMetadata | null): Metadata | undefined {
    if (metadata === null) return undefined;
    try {
      return toWireMetadata(metadata);
    } catch (error) {
      this.env.log.error({ err: error, method: this.method.path }, "response metadata dropped");
      return undefined;
    }
  }

  /** The response headers for the engine: the handler's metadata and the grpc-encoding of compressed responses. */
  protected wireHeaders(): Metadata | undefined {
    const headers = this.wire(this.headersOut);
    if (this.responseEncoding === null) return headers;
    return { ...headers, "grpc-encoding": this.responseEncoding };
  }

  /* ---------------------------------------------------------- ending */

  /** The peer reset the stream or the connection died. */
  onCancel(): void {
    if (this.done) return;
    this.finish(Code.CANCELLED);
    this.abort(errors.cancelledByClient());
  }

  /** A response in its gRPC frame, or null when it cannot be encoded: the call has then failed INTERNAL. */
  protected encodeResponse(response: unknown): WireFrame | null {
    try {
      const compressor = this.compressor;
      const frame = compressor === null
        ? encodeWireFrameWith(this.method.responseCodec, response)
        : compressor.frame(this.method.responseCodec.encode(response), encodeFrame);
      if (this.method.stats !== null) this.method.stats.sent++;
      return frame;
    } catch (error) {
      this.fail(errors.unencodableResponse(error));
      return null;
    }
  }

  /** Ends the call OK with one response message (unless it cannot be encoded); false if it did not. */
  protected respondOnce(response: unknown): boolean {
    if (this.done) return false;
    const frame = this.encodeResponse(response);
    if (frame === null) return false;
    this.finish(Code.OK);
    this.headersSent = true;
    if (this.headersOut === null && this.trailersOut === null && this.responseEncoding === null) this.stream.sendUnary(frame);
    else this.stream.sendUnary(frame, this.wireHeaders(), this.wire(this.trailersOut));
    return true;
  }

  /** Used by the server's force-close at the end of the shutdown grace period. */
  forceClose(error: GrpcError): void {
    this.fail(error);
  }

  protected handlerFailed(error: unknown): void {
    if (error instanceof GrpcError) return this.fail(error);
    if (this.done) return; // thrown after the call ended (usually because it was cancelled): nothing to answer
    // A handler bug: log it with its stack, answer UNKNOWN without leaking internals.
    this.env.log.error({ err: error, method: this.method.path }, "handler threw");
    this.fail(errors.handlerFailed(error));
  }

  /** Ends the call with a status: trailers (or a trailers-only response), then the handler's signal aborts. */
  protected fail(error: GrpcError): void {
    if (this.done) return;
    this.finish(error.code);
    // grpc-accept-encoding (an UNIMPLEMENTED encoding's answer) is gRPC's own header, not user metadata: added as is.
    const { "grpc-accept-encoding": acceptEncoding, ...metadata } = error.metadata;
    const trailers = this.wire({ ...this.trailersOut, ...metadata }) ?? {};
    if (typeof acceptEncoding === "string") trailers["grpc-accept-encoding"] = acceptEncoding;
    if (error.details.length > 0) trailers[STATUS_DETAILS_KEY] = encodeStatusDetails(error.code, error.rawMessage, error.details);
    this.stream.sendTrailers(error.code, error.rawMessage, trailers);
    this.abort(error);
  }

  private expire(): void {
    this.timer = null;
    this.fail(errors.deadlineExceeded());
  }

  /** Marks the call over: metrics, deadline timer, the server's set of calls in flight. */
  protected finish(code: Code): void {
    this.done = true;
    if (this.method.stats !== null && this.startedAt !== null) this.method.stats.end(this.startedAt, code);
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.env.active.delete(this);
    this.env.onCallDone();
  }

  /** Aborts the handler's signal (created aborted if the handler has not looked yet, so a late look sees it). */
  protected abort(reason: GrpcError): void {
    this.controller ??= new AbortController();
    this.controller.abort(reason);
  }
}
