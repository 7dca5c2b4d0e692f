/**
 * GrpcClient: unary and streaming calls to one or more targets (tcp://HOST:PORT, tls://HOST:PORT,
 * vsock://CID:PORT) over a connection pool.
 *
 *   const client = new GrpcClient("tcp://127.0.0.1:50051");
 *   const reply = await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 1000 });
 *   for await (const reply of client.bidiStream(EchoService.method.echoStream, requests)) ...
 */
import type {
  DescMessage, DescMethodBiDiStreaming, DescMethodClientStreaming, DescMethodServerStreaming, DescMethodUnary,
  MessageInitShape, MessageShape,
} from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { ClientEngine, ClientSession } from "../engine/types.js";
import { h2ClientEngine } from "../engine/h2/index.js";
import { errors } from "../errors/catalog.js";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { type CompressionName, ACCEPT_ENCODING, DEFAULT_COMPRESSION_THRESHOLD_BYTES, MessageCompressor } from "../protocol/compression.js";
import { encodeFrame } from "../protocol/framing.js";
import { type Metadata, validateMetadata } from "../protocol/metadata.js";
import { formatGrpcTimeout } from "../protocol/timeout.js";
import { protobufCodec } from "../protocol/codec.js";
import { parseAddress } from "../transport/address.js";
import type { TlsClientOptions } from "../transport/tls.js";
import { type Connector, buildConnector } from "./connector.js";
import { type BackoffOptions, ConnectionPool } from "./pool.js";
import { ClientStreamingCall } from "./streaming-call.js";
import { ClientUnaryCall, type ResponseMetadataObserver } from "./unary-call.js";

export interface ClientOptions {
  /** HTTP/2 sessions per target (default 1). */
  connections?: number;
  /** The HTTP/2 engine (default fastgrpc's own, "h2"; node:http2 is `nodeClientEngine`). */
  engine?: ClientEngine;
  /** Replaces the standard transport+engine connector (tests, custom transports). */
  connector?: Connector;
  /** Connection attempts give up after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Largest response message accepted (default 4 MiB). */
  maxMessageBytes?: number;
  /** Deadline for calls that set none (default: none). */
  defaultTimeoutMs?: number;
  /** Hard cap of sessions per target while every session is at the server's stream limit (default max(4, 4 x connections)). */
  maxConnections?: number;
  /** HTTP/2 PING every this many ms on each session (default off; gRPC advises no less than 60000). */
  keepaliveIntervalMs?: number;
  /** A keepalive PING unanswered this long (ms) closes its session (default 20000). */
  keepaliveTimeoutMs?: number;
  /** Reconnect backoff (default gRPC's: 1 s, x1.6 per failure, +-20% jitter, at most 120 s). */
  backoff?: Partial<BackoffOptions>;
  /** CA, client certificate and key for tls:// targets (default: the system's CAs, no client certificate). */
  tls?: TlsClientOptions;
  /**
   * Compress requests with this algorithm and tell servers (grpc-accept-encoding) that compressed responses are
   * welcome; "identity" only advertises. Default: neither, so no header is added (compressed responses are read anyway).
   */
  compression?: CompressionName;
  /** Requests smaller than this many bytes go uncompressed (default 1024). */
  compressionThresholdBytes?: number;
}

export interface CallOptions extends ResponseMetadataObserver {
  /** Deadline relative to now: sent as grpc-timeout and enforced locally. */
  timeoutMs?: number;
  metadata?: Metadata;
  signal?: AbortSignal;
  /** This call's compression, over the client's `compression` option. */
  compression?: CompressionName;
  /** Streaming calls on a compressed call: whether request number `index` (from 0) is compressed (default all). */
  compressRequest?: (index: number) => boolean;
}

const NO_METADATA: Metadata = Object.freeze({}) as Metadata;

export class GrpcClient {
  private readonly pool: ConnectionPool;
  private readonly maxMessageBytes: number;
  private readonly defaultTimeoutMs: number | undefined;
  private readonly compression: CompressionName | undefined;
  private readonly compressionThresholdBytes: number;

  constructor(target: string | readonly string[], options: ClientOptions = {}) {
    const targets = typeof target === "string" ? [target] : target;
    if (targets.length === 0) throw new TypeError("at least one target is needed");
    const addresses = targets.map((url) => parseAddress(url));
    const connector = options.connector ?? buildConnector(options.engine ?? h2ClientEngine, options.tls);
    this.pool = new ConnectionPool(addresses, connector, {
      maxSessions: Math.max(1, options.connections ?? 1),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      ...(options.maxConnections !== undefined ? { maxSessionsPerTarget: options.maxConnections } : {}),
      ...(options.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: options.keepaliveIntervalMs } : {}),
      ...(options.keepaliveTimeoutMs !== undefined ? { keepaliveTimeoutMs: options.keepaliveTimeoutMs } : {}),
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
    });
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
    this.defaultTimeoutMs = options.defaultTimeoutMs;
    this.compression = options.compression;
    this.compressionThresholdBytes = options.compressionThresholdBytes ?? DEFAULT_COMPRESSION_THRESHOLD_BYTES;
  }

  /** A typed unary call. Rejects with GrpcError. */
  async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    options?: CallOptions,
  ): Promise<MessageShape<O>> {
    let bytes: Uint8Array;
    try {
      bytes = toBinary(method.input, create(method.input, request));
    } catch (cause) {
      throw errors.unencodableRequest(cause);
    }
    const reply = await this.callRaw(`/${method.parent.typeName}/${method.name}`, bytes, options);
    try {
      return fromBinary(method.output, reply);
    } catch (cause) {
      throw errors.undecodableResponse(cause);
    }
  }

  /**
   * A unary call on encoded messages (no length prefix): the path is "/package.Service/Method". This is the
   * benchmark's hot path, so it avoids async functions and closures where it can.
   */
  callRaw(path: string, message: Uint8Array, options?: CallOptions): Promise<Uint8Array> {
    const metadata = options?.metadata;
    if (metadata !== undefined) {
      try {
        validateMetadata(metadata);
      } catch (cause) {
        return Promise.reject(new GrpcError(Code.INTERNAL, cause instanceof Error ? cause.message : String(cause), { cause }));
      }
    }
    const timeoutMs = options?.timeoutMs ?? this.defaultTimeoutMs;
    const signal = options?.signal;
    if (signal?.aborted) return Promise.reject(errors.cancelled("call aborted by the caller"));
    let headers = metadata ?? NO_METADATA;
    if (timeoutMs !== undefined) headers = { ...headers, "grpc-timeout": formatGrpcTimeout(timeoutMs) };
    const compression = options?.compression ?? this.compression;
    let frame: Uint8Array;
    if (compression === undefined) {
      frame = encodeFrame(message);
    } else {
      headers = compressionHeaders(headers, compression);
      frame = compression === "identity" ? encodeFrame(message) : new MessageCompressor(compression, this.compressionThresholdBytes).frame(message, encodeFrame);
    }
    return new Promise<Uint8Array>((resolve, reject) => {
      const call = new ClientUnaryCall(resolve, reject, this.maxMessageBytes, options);
      call.arm(timeoutMs, signal);
      const session = this.pool.pick(signal, timeoutMs);
      if (isSession(session)) {
        start(session, call, path, headers, frame);
      } else {
        session.then((opened) => start(opened, call, path, headers, frame), (error: unknown) => call.abortLocally(GrpcError.from(error, Code.UNAVAILABLE)));
      }
    });
  }

  /**
   * A server-streaming call: iterate the responses; the iteration throws a GrpcError if the call fails. Leaving
   * the loop early cancels the call. Responses are read from the network only as fast as the loop takes them.
   */
  serverStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodServerStreaming<I, O>,
    request: MessageInitShape<I>,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>> {
    const decode = protobufCodec(method.output).decode;
    let bytes: Uint8Array;
    try {
      bytes = protobufCodec(method.input).encode(create(method.input, request));
    } catch (cause) {
      return failedStream(errors.unencodableRequest(cause));
    }
    return this.open(pathOf(method), decode, bytes, options);
  }

  /** A client-streaming call: sends what `requests` yields (then half-closes) and resolves with the one response. */
  async clientStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodClientStreaming<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
    options?: CallOptions,
  ): Promise<MessageShape<O>> {
    const responses = this.open(pathOf(method), protobufCodec(method.output).decode, encodeAll(method.input, requests), options);
    let response: MessageShape<O> | undefined;
    let count = 0;
    for await (const message of responses) {
      response = message;
      count++;
    }
    if (response === undefined) throw errors.streamNoResponseMessage();
    if (count > 1) throw errors.streamManyResponseMessages();
    return response;
  }

  /**
   * A bidirectional call: requests are sent as `requests` yields them while the responses are iterated. The two
   * run independently; leaving the response loop early cancels the call.
   */
  bidiStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodBiDiStreaming<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
    options?: CallOptions,
  ): AsyncIterable<MessageShape<O>> {
    return this.open(pathOf(method), protobufCodec(method.output).decode, encodeAll(method.input, requests), options);
  }

  /** A streaming call on encoded messages (no length prefix), for callers that bring their own codec (the benchmark). */
  streamRaw(path: string, requests: AsyncIterable<Uint8Array> | Uint8Array, options?: CallOptions): AsyncIterable<Uint8Array> {
    return this.open(path, identity, requests, options);
  }

  private open<T>(path: string, decode: (bytes: Uint8Array) => T, body: AsyncIterable<Uint8Array> | Uint8Array, options?: CallOptions): AsyncIterable<T> {
    const metadata = options?.metadata;
    if (metadata !== undefined) {
      try {
        validateMetadata(metadata);
      } catch (cause) {
        return failedStream(new GrpcError(Code.INTERNAL, cause instanceof Error ? cause.message : String(cause), { cause }));
      }
    }
    const timeoutMs = options?.timeoutMs ?? this.defaultTimeoutMs;
    const signal = options?.signal;
    if (signal?.aborted) return failedStream(errors.cancelled("call aborted by the caller"));
    let headers = metadata ?? NO_METADATA;
    if (timeoutMs !== undefined) headers = { ...headers, "grpc-timeout": formatGrpcTimeout(timeoutMs) };
    const call = new ClientStreamingCall<T>(decode, this.maxMessageBytes, options);
    const compression = options?.compression ?? this.compression;
    if (compression !== undefined) {
      headers = compressionHeaders(headers, compression);
      if (compression !== "identity") call.compressor = new MessageCompressor(compression, this.compressionThresholdBytes);
      call.compressRequest = options?.compressRequest;
    }
    call.arm(timeoutMs, signal);
    const begin = (session: ClientSession) => {
      if (call.isSettled) return;
      try {
        const stream = session.request(path, headers, call);
        call.stream = stream;
        if (body instanceof Uint8Array) stream.sendMessage(call.frame(body, 0), true);
        else void call.sendAll(body);
      } catch (error) {
        call.abortLocally(errors.connectionClosed(error));
      }
    };
    const session = this.pool.pick(signal, timeoutMs);
    if (isSession(session)) begin(session);
    else session.then(begin, (error: unknown) => call.abortLocally(GrpcError.from(error, Code.UNAVAILABLE)));
    return call.responses;
  }

  /** Closes every connection; calls in flight finish first unless `force`. */
  async close(force = false): Promise<void> {
    this.pool.close(force);
  }
}

function pathOf(method: { readonly name: string; readonly parent: { readonly typeName: string } }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function identity(bytes: Uint8Array): Uint8Array {
  return bytes;
}

/** Typed requests to encoded messages, one at a time as the engine takes them. */
async function* encodeAll<I extends DescMessage>(schema: I, requests: AsyncIterable<MessageInitShape<I>>): AsyncGenerator<Uint8Array> {
  const codec = protobufCodec(schema);
  for await (const request of requests) {
    let bytes: Uint8Array;
    try {
      bytes = codec.encode(create(schema, request));
    } catch (cause) {
      throw errors.unencodableRequest(cause);
    }
    yield bytes;
  }
}

/** A response stream that throws `error` on first read (a call that failed before it started). */
function failedStream<T>(error: GrpcError): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(error),
      return: () => Promise.resolve({ done: true, value: undefined }),
    }),
  };
}

/** Request headers of a call with a compression setting: what we send (unless identity) and what we read. */
function compressionHeaders(headers: Metadata, compression: CompressionName): Metadata {
  return compression === "identity"
    ? { ...headers, "grpc-accept-encoding": ACCEPT_ENCODING }
    : { ...headers, "grpc-encoding": compression, "grpc-accept-encoding": ACCEPT_ENCODING };
}

function isSession(value: ClientSession | Promise<ClientSession>): value is ClientSession {
  return !(value instanceof Promise);
}

function start(session: ClientSession, call: ClientUnaryCall, path: string, headers: Metadata, frame: Uint8Array): void {
  if (call.isSettled) return; // the deadline or the caller's abort came first
  try {
    const stream = session.request(path, headers, call);
    call.stream = stream;
    stream.sendMessage(frame, true);
  } catch (error) {
    call.abortLocally(errors.connectionClosed(error));
  }
}
