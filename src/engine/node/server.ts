/**
 * The node:http2 server engine: the reference implementation of the engine seam, and the fallback
 * (`--engine node`). It keeps to what the "raw node:http2 echo" ceiling does per call: one respond(), one end(),
 * trailers on 'wantTrailers'.
 */
import http2 from "node:http2";
import type { Duplex } from "node:stream";
import type { Code } from "../../errors/codes.js";
import { type Metadata, metadataFromHeaders } from "../../protocol/metadata.js";
import { statusTrailerObject } from "../../protocol/status-trailers.js";
import type { WireFrame } from "../../protocol/wire-frame.js";
import type { PeerInfo } from "../../transport/types.js";
import { DEFAULT_TUNING } from "../h2/tuning.js";
import type {
  ServerEngine, ServerEngineFactory, ServerEngineOptions, ServerStream, ServerStreamHandler, StreamDispatcher,
} from "../types.js";
import { NodeManagedSession } from "./managed-session.js";
import { writeParts } from "./write-parts.js";

const GRPC_CONTENT_TYPE = "application/grpc";
const OK_TRAILERS = Object.freeze({ "grpc-status": "0" });

function responseHeaders(metadata?: Metadata): http2.OutgoingHttpHeaders {
  const headers: http2.OutgoingHttpHeaders = { ":status": 200, "content-type": GRPC_CONTENT_TYPE };
  return metadata ? Object.assign(headers, metadata) : headers;
}

function statusTrailers(code: Code, message: string, metadata?: Metadata): http2.OutgoingHttpHeaders {
  return statusTrailerObject(code, message, metadata);
}

/**
 * A request answered before it ended (size limit, unknown method, shutdown, a handler that failed early): its rest
 * is read and discarded up to these bounds, then the stream is reset with NO_ERROR. node:http2 already keeps
 * reading such a stream (no reset, which a proxy in front would turn into CANCEL), but without any bound.
 */
export interface RequestDrainBounds {
  bytes: number;
  ms: number;
}

const DEFAULT_DRAIN: RequestDrainBounds = {
  bytes: DEFAULT_TUNING.earlyAnswerDrainBytes, ms: DEFAULT_TUNING.earlyAnswerDrainMs,
};

class NodeServerStream implements ServerStream {
  private headersSent = false;
  private pendingTrailers: http2.OutgoingHttpHeaders = OK_TRAILERS;

  constructor(
    private readonly stream: http2.ServerHttp2Stream,
    private readonly headers: http2.IncomingHttpHeaders,
    readonly path: string,
    readonly peer: PeerInfo,
    private readonly drain: RequestDrainBounds,
  ) {}

  get closed(): boolean {
    return this.stream.destroyed || this.stream.closed || this.stream.writableEnded;
  }

  header(name: string): string | undefined {
    const value = this.headers[name];
    return typeof value === "string" ? value : Array.isArray(value) ? value[0] : undefined;
  }

  metadata(): Metadata {
    return metadataFromHeaders(this.headers);
  }

  sendUnary(frame: WireFrame, headers?: Metadata, trailers?: Metadata): void {
    if (this.closed) return;
    if (trailers) this.pendingTrailers = statusTrailers(0, "", trailers);
    this.respond(headers);
    if (frame instanceof Uint8Array) {
      this.stream.end(frame);
      return;
    }
    writeParts(this.stream, frame);
    this.stream.end();
  }

  sendHeaders(metadata?: Metadata): void {
    if (this.closed || this.headersSent) return;
    this.respond(metadata);
  }

  sendMessage(frame: WireFrame): boolean {
    if (this.closed) return false;
    if (!this.headersSent) this.respond();
    return frame instanceof Uint8Array ? this.stream.write(frame) : writeParts(this.stream, frame);
  }

  sendTrailers(code: Code, message: string, metadata?: Metadata): void {
    if (this.closed) return;
    if (!this.headersSent) {
      // Trailers-only response: one HEADERS frame with END_STREAM.
      this.headersSent = true;
      const headers = statusTrailers(code, message, metadata);
      headers[":status"] = 200;
      headers["content-type"] = GRPC_CONTENT_TYPE;
      this.stream.respond(headers, { endStream: true });
      this.drainRest();
      return;
    }
    this.pendingTrailers = statusTrailers(code, message, metadata);
    this.stream.end();
    this.drainRest();
  }

  sendHttpError(httpStatus: number, code: Code, message: string): void {
    if (this.closed || this.headersSent) return;
    this.headersSent = true;
    const headers = statusTrailers(code, message);
    headers[":status"] = httpStatus;
    this.stream.respond(headers, { endStream: true });
    this.drainRest();
  }

  // node:http2 stops reading from nghttp2 while its Readable is paused, so the window stops growing: real backpressure.
  pauseInput(): void {
    this.stream.pause();
  }

  resumeInput(): void {
    this.stream.resume();
  }

  /** Answered before the request ended: read the rest (a paused reader would hold back the window) within the bounds. */
  private drainRest(): void {
    const stream = this.stream;
    if (stream.readableEnded || stream.destroyed) return;
    let left = this.drain.bytes;
    const reset = () => {
      if (!stream.closed && !stream.destroyed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    };
    const timer = setTimeout(reset, this.drain.ms);
    timer.unref();
    stream.once("close", () => clearTimeout(timer));
    stream.on("data", (chunk: Buffer) => {
      left -= chunk.length;
      if (left < 0) reset();
    });
    stream.resume();
  }

  private respond(metadata?: Metadata): void {
    this.headersSent = true;
    this.stream.respond(responseHeaders(metadata), { waitForTrailers: true });
    this.stream.once("wantTrailers", () => {
      if (!this.stream.destroyed) this.stream.sendTrailers(this.pendingTrailers);
    });
  }
}

class NodeServerEngine implements ServerEngine {
  readonly name = "node:http2";
  private readonly server: http2.Http2Server;
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly peers = new WeakMap<http2.Http2Session, PeerInfo>();
  /** Connection management's view of each session; empty when the server has none. */
  private readonly managed = new WeakMap<http2.Http2Session, NodeManagedSession>();
  private pendingPeer: PeerInfo = { transport: "unknown", label: "unknown" };

  constructor(
    private readonly dispatcher: StreamDispatcher,
    private readonly options: ServerEngineOptions,
    private readonly drain: RequestDrainBounds,
  ) {
    this.server = http2.createServer({
      settings: { maxConcurrentStreams: options.maxConcurrentStreams, enablePush: false },
      // gRPC messages are capped by maxMessageBytes; node's own header list cap stays at its default.
      maxSessionMemory: 64,
    });
    this.server.on("session", (session) => this.onSession(session));
    this.server.on("stream", (stream, headers) => this.onStream(stream, headers));
    this.server.on("sessionError", (error) => this.options.onConnectionError?.(error, this.pendingPeer));
  }

  get connectionCount(): number {
    return this.sessions.size;
  }

  serveConnection(socket: Duplex, peer: PeerInfo): void {
    // 'session' fires synchronously inside emit('connection'), which is how the peer reaches it.
    this.pendingPeer = peer;
    this.server.emit("connection", socket);
  }

  private onSession(session: http2.ServerHttp2Session): void {
    const peer = this.pendingPeer;
    this.peers.set(session, peer);
    this.sessions.add(session);
    session.on("error", (error) => this.options.onConnectionError?.(error, peer));
    session.on("close", () => this.sessions.delete(session));
    if (this.options.manageConnection !== undefined) {
      const managed = new NodeManagedSession(session);
      this.managed.set(session, managed);
      managed.attach(this.options.manageConnection(managed, peer));
    }
  }

  private onStream(stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders): void {
    // Without an 'error' listener a stream error (e.g. respond() after the client reset) would kill the process.
    stream.on("error", noop);
    const session = stream.session;
    const peer = (session && this.peers.get(session)) ?? this.pendingPeer;
    const path = headers[":path"] ?? "";
    const handler = this.dispatcher.onStream(new NodeServerStream(stream, headers, path, peer, this.drain));
    stream.on("data", (chunk: Buffer) => handler.onData(chunk));
    stream.on("end", () => handler.onEnd());
    if (handler.onDrain) stream.on("drain", () => handler.onDrain?.());
    // Also fires after our own complete response; the gRPC layer ignores a cancel once it has answered.
    stream.on("close", () => handler.onCancel());
    if (this.options.manageConnection !== undefined && session) this.managed.get(session)?.streamOpened(stream);
  }

  shutdown(graceMs: number): Promise<void> {
    const sessions = [...this.sessions];
    if (sessions.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      let open = sessions.length;
      const timer = setTimeout(() => {
        for (const session of sessions) session.destroy();
      }, graceMs);
      timer.unref();
      const done = () => {
        if (--open === 0) {
          clearTimeout(timer);
          resolve();
        }
      };
      for (const session of sessions) {
        if (session.closed || session.destroyed) { done(); continue; }
        session.once("close", done);
        session.close();
      }
    });
  }
}

function noop(): void {}

export const createNodeServerEngine: ServerEngineFactory = (dispatcher, options) =>
  new NodeServerEngine(dispatcher, options, DEFAULT_DRAIN);

/** The node:http2 engine with other bounds on the rest of a request answered early (tests). */
export function nodeServerEngineWith(drain: Partial<RequestDrainBounds>): ServerEngineFactory {
  return (dispatcher, options) => new NodeServerEngine(dispatcher, options, { ...DEFAULT_DRAIN, ...drain });
}
