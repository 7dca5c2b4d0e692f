/**
 * The engine seam: how the gRPC layer talks to an HTTP/2 implementation.
 *
 * The gRPC layer (src/server, src/client) never touches HTTP/2 frames or node:http2 objects; it sees streams
 * through these interfaces. node:http2 is one implementation (src/engine/node); the purpose-built engine
 * (src/engine/h2) is another. Everything here is callback-based, not EventEmitter-based, so that an engine can
 * deliver a call without allocating per-event objects.
 */
import type { Duplex } from "node:stream";
import type { Code } from "../errors/codes.js";
import type { Metadata } from "../protocol/metadata.js";
import type { WireFrame } from "../protocol/wire-frame.js";
import type { PeerInfo } from "../transport/types.js";

/* ---------------------------------------------------------------- server side */

/** One incoming HTTP/2 request stream, as the engine presents it to the gRPC layer. */
export interface ServerStream {
  /** The :path pseudo-header, e.g. "/fastgrpc.echo.v1.EchoService/Echo". */
  readonly path: string;
  /** Value of a request header by lower-case name (content-type, grpc-timeout, grpc-encoding, te...). */
  header(name: string): string | undefined;
  /** All user metadata of the request; built on demand, never on the hot path. */
  metadata(): Metadata;
  readonly peer: PeerInfo;
  /** True once the stream is finished or reset: nothing may be sent any more. */
  readonly closed: boolean;

  /**
   * The unary fast path: response headers, one length-prefixed message and grpc-status 0 trailers, which an
   * engine can put in a single socket write.
   */
  sendUnary(frame: WireFrame, headers?: Metadata, trailers?: Metadata): void;
  /** Response headers (":status 200", content-type, plus metadata). Implicit before the first message. */
  sendHeaders(metadata?: Metadata): void;
  /**
   * One length-prefixed gRPC message; its parts' bytes are sent by reference and must not change afterwards.
   * Returns false when the engine is buffering and the caller should wait for onDrain.
   */
  sendMessage(frame: WireFrame): boolean;
  /** Ends the stream with grpc-status/grpc-message trailers (a trailers-only response if no headers were sent). */
  sendTrailers(code: Code, message: string, metadata?: Metadata): void;
  /** Ends the stream with a non-200 HTTP status (e.g. 415 for a wrong content-type), carrying a gRPC status too. */
  sendHttpError(httpStatus: number, code: Code, message: string): void;
  /**
   * Streaming calls only: stop delivering onData and stop granting the peer HTTP/2 flow-control window for this
   * stream until resumeInput(), so a client cannot outrun a slow handler. Optional: without it the gRPC layer
   * bounds what it queues and fails the call with RESOURCE_EXHAUSTED instead.
   */
  pauseInput?(): void;
  resumeInput?(): void;
}

/** What the gRPC layer wants to hear about one stream. Returned by the dispatcher when the stream opens. */
export interface ServerStreamHandler {
  /** A chunk of the request body (DATA payload), possibly holding part of, or several, gRPC messages. */
  onData(chunk: Uint8Array): void;
  /** The client half-closed (END_STREAM). */
  onEnd(): void;
  /** The stream was reset by the peer or the connection died before the response was complete. */
  onCancel(): void;
  /** The engine can take more data after sendMessage returned false. */
  onDrain?(): void;
}

/** The gRPC layer's entry point for new streams. */
export interface StreamDispatcher {
  onStream(stream: ServerStream): ServerStreamHandler;
}

export interface ServerEngineOptions {
  /** SETTINGS_MAX_CONCURRENT_STREAMS advertised to clients. */
  maxConcurrentStreams: number;
  /** Largest gRPC message accepted; engines may use it to size flow-control windows. */
  maxMessageBytes: number;
  /** Called for connection-level problems worth logging (protocol errors, socket errors). */
  onConnectionError?(error: Error, peer: PeerInfo): void;
  /**
   * Connection management (keepalive enforcement, server pings, idle and age limits: src/server/connection-management.ts).
   * Called once per accepted connection; the events it returns are what the engine reports about that connection.
   * Optional: without it an engine does no per-connection bookkeeping at all.
   */
  manageConnection?(connection: ManagedConnection, peer: PeerInfo): ManagedConnectionEvents;
}

/** One server connection, as connection management drives it. */
export interface ManagedConnection {
  /** Streams open now. */
  readonly activeStreams: number;
  /** Sends a PING; `callback` runs with null on its ACK or with the error that ended the connection first. False if not sent. */
  ping(callback: (error: Error | null) => void): boolean;
  /** Graceful GOAWAY (NO_ERROR): no new streams; open ones finish, then the connection closes. */
  goawayGracefully(): void;
  /** GOAWAY with `code` and `debugData` (e.g. ENHANCE_YOUR_CALM, "too_many_pings"), then the connection is closed. */
  goawayAndClose(code: number, debugData: string): void;
  /** Immediate close (a grace period is over, a keepalive PING went unanswered). */
  destroy(error: Error): void;
}

/** What an engine reports about one managed connection. */
export interface ManagedConnectionEvents {
  /** The peer sent a PING (not an ACK); the engine has answered it. */
  onPing?(): void;
  /** A request stream opened (activeStreams grew). */
  onStreamOpened?(): void;
  /** A request stream ended (activeStreams dropped). */
  onStreamClosed?(): void;
  /** The connection is gone. */
  onClose?(): void;
}

/** An HTTP/2 server engine: serves connections that a transport accepted. */
export interface ServerEngine {
  readonly name: string;
  /** Takes over an accepted connection. */
  serveConnection(socket: Duplex, peer: PeerInfo): void;
  /**
   * Graceful shutdown: GOAWAY on every connection, no new streams; resolves when every stream has finished or,
   * after graceMs, once the remaining connections were destroyed.
   */
  shutdown(graceMs: number): Promise<void>;
  /** Connections currently open. */
  readonly connectionCount: number;
}

export type ServerEngineFactory = (dispatcher: StreamDispatcher, options: ServerEngineOptions) => ServerEngine;

/* ---------------------------------------------------------------- client side */

/** Response headers or trailers as the client engine reports them; names are lower-case. */
export type HeaderMap = Record<string, string | string[] | undefined>;

export interface ClientStreamHandler {
  /** Response headers; `endStream` is true for a trailers-only response (the map then holds grpc-status too). */
  onHeaders(httpStatus: number, headers: HeaderMap, endStream: boolean): void;
  onData(chunk: Uint8Array): void;
  onTrailers(trailers: HeaderMap): void;
  /**
   * The stream is over. `resetCode` is the HTTP/2 error code of an RST_STREAM (or GOAWAY) that ended it, null for
   * a normal end; `error` a local failure (socket error, protocol error), if any. REFUSED_STREAM (7) is the
   * "never processed" signal, safe to retry elsewhere: engines report it for a peer's RST_STREAM(REFUSED_STREAM),
   * for streams above a GOAWAY's last-stream-id and for streams that never left a session that went away.
   */
  onClose(resetCode: number | null, error?: Error): void;
  /** The engine can take more after sendMessage returned false (streaming calls wait for this). */
  onDrain?(): void;
}

export interface ClientStream {
  /**
   * Sends one length-prefixed message; `end` half-closes the stream after it. Returns false when the engine is
   * buffering beyond its limit: the caller should wait for ClientStreamHandler.onDrain before sending more. An
   * engine without backpressure may return nothing (treated as true).
   */
  sendMessage(frame: WireFrame, end: boolean): boolean | void;
  /** Half-closes without another message. */
  end(): void;
  /** RST_STREAM(CANCEL). onClose follows. */
  cancel(): void;
  /**
   * Streaming calls only: stop delivering onData and stop granting the server flow-control window until
   * resumeInput(), so a slow reader is not buffered without bound. Optional, as on ServerStream.
   */
  pauseInput?(): void;
  resumeInput?(): void;
}

export interface ClientSessionEvents {
  /**
   * The peer sent GOAWAY: no new streams on this session; in-flight ones continue. `code` and `debugData` (latin1)
   * are the GOAWAY's, where the engine reports them (A8: ENHANCE_YOUR_CALM "too_many_pings" slows keepalive).
   */
  onGoaway?(code?: number, debugData?: string): void;
  /** The session is gone (socket closed or failed). */
  onClose?(error?: Error): void;
  /**
   * The peer's SETTINGS arrived (the first, or a later change): maxConcurrentStreams may have changed. Optional for
   * engines; the connection pool uses it to hand waiting calls the streams the peer allows.
   */
  onRemoteSettings?(): void;
  /** A stream of this session ended (activeStreams dropped). Optional; the pool hands waiting calls the freed room. */
  onStreamClosed?(): void;
}

export interface ClientSession {
  /** Opens a gRPC call. `headers` holds grpc-timeout and user metadata; the engine adds the pseudo-headers, content-type and te. */
  request(path: string, headers: Metadata, handler: ClientStreamHandler): ClientStream;
  /** Streams open now. */
  readonly activeStreams: number;
  /** The peer's SETTINGS_MAX_CONCURRENT_STREAMS (Infinity until known). */
  readonly maxConcurrentStreams: number;
  /** False after GOAWAY, close or failure. */
  readonly usable: boolean;
  /** Graceful close: GOAWAY once the streams are done. */
  close(): void;
  /** Immediate close; every open stream gets onClose with an error. */
  destroy(error?: Error): void;
  /**
   * Sends an HTTP/2 PING; `callback` runs with null on its ACK, or with the error that ended the session first.
   * Returns false if the PING could not be sent (session closed, too many unanswered). Optional: keepalive is
   * skipped for engines without it.
   */
  ping?(callback: (error: Error | null) => void): boolean;
}

export interface ClientEngineOptions {
  /** The :authority to send. */
  authority: string;
  /** The socket is already TLS (":scheme https"). */
  secure?: boolean;
}

/** An HTTP/2 client engine: makes a session on a connected socket. */
export interface ClientEngine {
  readonly name: string;
  connect(socket: Duplex, options: ClientEngineOptions, events: ClientSessionEvents): ClientSession;
}
