/**
 * One unary call on the server: collects the request message from DATA chunks, runs the handler once the client
 * half-closes, and answers with the response or a status. Everything that can go wrong ends as a status on this
 * stream and never reaches the process.
 */
import { errors } from "../errors/catalog.js";
import type { ServerStream, ServerStreamHandler } from "../engine/types.js";
import { FRAME_HEADER_BYTES, type FrameError, type FrameSink, MessageReader } from "../protocol/framing.js";
import type { UnaryMethod } from "./service.js";
import { type CallEnvironment, ServerCall } from "./server-call.js";

export class UnaryCall extends ServerCall<UnaryMethod> implements ServerStreamHandler, FrameSink {
  /** Made only when the request does not arrive as one whole message in one DATA chunk (the common case). */
  private reader: MessageReader | null = null;
  private request: Uint8Array | null = null;
  private requestCompressed = false;

  /* ---------------------------------------------------------- engine events */

  onData(chunk: Uint8Array): void {
    if (this.done) return;
    if (this.reader === null && this.request === null && isWholeMessage(chunk, this.env.maxMessageBytes)) {
      this.request = chunk.subarray(FRAME_HEADER_BYTES);
      return;
    }
    // Split, several, compressed or oversized messages: the reader handles (and refuses) them.
    this.reader ??= new MessageReader(this, this.env.maxMessageBytes);
    this.reader.push(chunk);
  }

  onEnd(): void {
    if (this.done) return;
    if (this.reader !== null && this.reader.midMessage) return this.fail(errors.truncatedMessage());
    const request = this.request;
    if (request === null) return this.fail(errors.unaryWithoutRequest());
    this.run(request);
  }

  /* ---------------------------------------------------------- framing */

  onMessage(message: Uint8Array, compressed: boolean): void {
    if (this.request !== null) return this.fail(errors.unaryWithManyRequests());
    this.request = this.requestBytes(message, compressed);
    this.requestCompressed = compressed;
  }

  onFrameError(error: FrameError): void {
    this.fail(errors.messageTooLarge(error.size, error.limit));
  }

  /* ---------------------------------------------------------- handler */

  private run(requestBytes: Uint8Array): void {
    let request: unknown;
    try {
      request = this.method.requestCodec.decode(requestBytes);
    } catch (cause) {
      return this.fail(errors.undecodableRequest(cause));
    }
    if (this.method.stats !== null) this.method.stats.received++;
    if (this.requestCompressed) this.markCompressed(request);
    let result: unknown;
    try {
      result = this.method.handler(request, this);
    } catch (error) {
      return this.handlerFailed(error);
    }
    if (isPromiseLike(result)) {
      result.then((response) => this.respondOnce(response), (error: unknown) => this.handlerFailed(error));
    } else {
      this.respondOnce(result);
    }
  }

}

/** One uncompressed gRPC message filling the chunk exactly, within the size limit. */
function isWholeMessage(chunk: Uint8Array, maxMessageBytes: number): boolean {
  const length = chunk.length;
  if (length < FRAME_HEADER_BYTES || chunk[0] !== 0) return false;
  const size = (((chunk[1] ?? 0) << 24) >>> 0) + ((chunk[2] ?? 0) << 16) + ((chunk[3] ?? 0) << 8) + (chunk[4] ?? 0);
  return size === length - FRAME_HEADER_BYTES && size <= maxMessageBytes;
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}
