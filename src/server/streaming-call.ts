/**
 * One streaming call on the server (server-streaming, client-streaming or bidi). Requests are decoded as they
 * arrive into a MessageQueue the handler reads; responses are pulled from the handler's AsyncIterable one at a
 * time and written only while the engine takes them (sendMessage's boolean, then onDrain), so neither direction
 * buffers without bound:
 *   - requests: input pauses once REQUEST_HIGH_WATER_BYTES are queued unread and resumes when the handler has
 *     read them; an engine that cannot pause gets the call failed with RESOURCE_EXHAUSTED past
 *     maxMessageBytes + REQUEST_HIGH_WATER_BYTES.
 *   - responses: the handler's generator is not resumed while the engine reports the stream's buffer full.
 * Deadlines, cancellation and shutdown end the call as for unary calls, abort ctx.signal and make the request
 * stream throw the status.
 */
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import type { ServerStream, ServerStreamHandler } from "../engine/types.js";
import { type FrameError, type FrameSink, FRAME_HEADER_BYTES, MessageReader } from "../protocol/framing.js";
import { MessageQueue } from "./message-queue.js";
import type { StreamingMethod } from "./service.js";
import { type CallEnvironment, ServerCall } from "./server-call.js";

/** Unread request bytes (wire size) above which the server stops reading from the client. */
export const REQUEST_HIGH_WATER_BYTES = 64 * 1024;

export class StreamingCall extends ServerCall<StreamingMethod> implements ServerStreamHandler, FrameSink {
  private readonly reader: MessageReader;
  /** client_streaming and bidi: what the handler reads. */
  private readonly requests: MessageQueue<unknown> | null = null;
  /** server_streaming: the one request, until the client half-closes. */
  private single: unknown = undefined;
  private singleSeen = false;
  private drainWaiter: (() => void) | null = null;
  private readonly hardLimitBytes: number;

  constructor(stream: ServerStream, method: StreamingMethod, env: CallEnvironment, timeoutMs: number | undefined) {
    super(stream, method, env, timeoutMs);
    this.reader = new MessageReader(this, env.maxMessageBytes);
    this.hardLimitBytes = env.maxMessageBytes + FRAME_HEADER_BYTES + REQUEST_HIGH_WATER_BYTES;
    if (method.kind !== "server_streaming") {
      this.requests = new MessageQueue<unknown>(
        REQUEST_HIGH_WATER_BYTES,
        { pause: () => stream.pauseInput?.(), resume: () => stream.resumeInput?.() },
      );
      this.start();
    }
  }

  /* ---------------------------------------------------------- engine events */

  onData(chunk: Uint8Array): void {
    if (!this.done) this.reader.push(chunk);
  }

  onEnd(): void {
    if (this.done) return;
    if (this.reader.midMessage) return this.fail(errors.truncatedMessage());
    if (this.requests !== null) {
      this.requests.end();
      return;
    }
    if (!this.singleSeen) return this.fail(errors.streamMissingRequest());
    this.start();
  }

  onDrain(): void {
    const waiter = this.drainWaiter;
    this.drainWaiter = null;
    waiter?.();
  }

  /* ---------------------------------------------------------- framing */

  onMessage(wire: Uint8Array, compressed: boolean): void {
    if (this.done) return;
    const message = this.requestBytes(wire, compressed);
    if (message === null) return;
    let request: unknown;
    try {
      request = this.method.requestCodec.decode(message);
    } catch (cause) {
      return this.fail(errors.undecodableRequest(cause));
    }
    if (this.method.stats !== null) this.method.stats.received++;
    if (compressed) this.markCompressed(request);
    const requests = this.requests;
    if (requests === null) {
      if (this.singleSeen) return this.fail(errors.streamManyRequests());
      this.singleSeen = true;
      this.single = request;
      return;
    }
    requests.push(request, wire.length + FRAME_HEADER_BYTES);
    // Only reachable when the engine cannot pause its input.
    if (requests.bytes > this.hardLimitBytes) this.fail(errors.requestsOutranHandler(requests.bytes));
  }

  onFrameError(error: FrameError): void {
    this.fail(errors.messageTooLarge(error.size, error.limit));
  }

  /* ---------------------------------------------------------- handler */

  private start(): void {
    const method = this.method;
    let result: unknown;
    try {
      switch (method.kind) {
        case "server_streaming":
          result = method.handler(this.single, this);
          this.single = undefined;
          break;
        case "client_streaming":
          result = method.handler(this.requestStream(), this);
          break;
        case "bidi_streaming":
          result = method.handler(this.requestStream(), this);
          break;
      }
    } catch (error) {
      return this.handlerFailed(error);
    }
    if (method.kind === "client_streaming") {
      Promise.resolve(result).then((response) => this.respondOnce(response), (error: unknown) => this.handlerFailed(error));
      return;
    }
    if (!isAsyncIterable(result)) {
      return this.handlerFailed(new TypeError(`${method.path}: a streaming handler must return an AsyncIterable (an async generator)`));
    }
    this.pump(result).catch((error: unknown) => this.handlerFailed(error));
  }

  private requestStream(): MessageQueue<unknown> {
    const requests = this.requests;
    if (requests === null) throw new TypeError("no request stream on a server-streaming call");
    return requests;
  }

  /** Pulls responses while the engine takes them; the handler's generator is resumed only when there is room. */
  private async pump(responses: AsyncIterable<unknown>): Promise<void> {
    const iterator = responses[Symbol.asyncIterator]();
    try {
      for (;;) {
        const next = await iterator.next();
        if (this.done || next.done === true) break;
        const frame = this.encodeResponse(next.value);
        if (frame === null) break;
        this.sendHeadersOnce();
        if (!this.stream.sendMessage(frame)) await this.drained();
        if (this.done) break;
      }
    } finally {
      // Cancelled, failed or out of deadline: let the generator run its finally blocks.
      if (this.done) iterator.return?.()?.then(undefined, () => undefined);
    }
    if (this.done) return;
    this.sendHeadersOnce();
    this.finish(Code.OK);
    this.stream.sendTrailers(Code.OK, "", this.wire(this.trailersOut));
  }

  private sendHeadersOnce(): void {
    if (this.headersSent) return;
    this.headersSent = true;
    this.stream.sendHeaders(this.wireHeaders());
  }

  private drained(): Promise<void> {
    return new Promise<void>((resolve) => { this.drainWaiter = resolve; });
  }

  protected override respondOnce(response: unknown): boolean {
    if (!super.respondOnce(response)) return false;
    // Requests the handler did not read are of no use now.
    this.requests?.return().then(undefined, () => undefined);
    return true;
  }

  protected override abort(reason: GrpcError): void {
    this.requests?.fail(reason);
    this.onDrain(); // a pump waiting for room must wake up to see the call is over
    super.abort(reason);
  }
}

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { [Symbol.asyncIterator]?: unknown })[Symbol.asyncIterator] === "function";
}
