/**
 * GrpcClient: unary and streaming calls to one or more targets (tcp://HOST:PORT, tls://HOST:PORT,
 * vsock://CID:PORT, unix:///PATH, dns:///HOST:PORT, ipv4:/ipv6: lists) over a connection pool.
 *
 *   const client = new GrpcClient("tcp://127.0.0.1:50051");
 *   const reply = await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 1000 });
 *   for await (const reply of client.bidiStream(EchoService.method.echoStream, requests)) ...
 */
import type { DescMessage, DescMethodBiDiStreaming, DescMethodClientStreaming, DescMethodServerStreaming, DescMethodUnary, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import type { ClientSession } from "../engine/types.js";
import { h2ClientEngine } from "../engine/h2/index.js";
import { errors } from "../errors/catalog.js";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { type CompressionName, DEFAULT_COMPRESSION_THRESHOLD_BYTES, MessageCompressor } from "../protocol/compression.js";
import { encodeFrame, framedByReference } from "../protocol/framing.js";
import type { WireFrame } from "../protocol/wire-frame.js";
import { type CallMetadata, type Metadata } from "../protocol/metadata.js";
import { protobufCodec } from "../protocol/codec.js";
import { buildConnector } from "./connector.js";
import { ConnectionPool } from "./pool.js";
import { type Resolver, resolverFor, targetLabel } from "./resolver/index.js";
import { CallChain, encodeAll, methodInfo, rawMethodInfo } from "./call-chain.js";
import { single } from "./interceptors.js";
import { type ResponseListener, listenerOf } from "./response-metadata.js";
import { SessionTracker } from "./session-tracker.js";
import { ClientStreamingCall } from "./streaming-call.js";
import { ClientUnaryCall } from "./unary-call.js";
import { type ClientRetryStats, newRetryStats } from "./retry/stats.js";
import { ClientRetry, toServiceConfig } from "./retry/client-retry.js";
import { TransparentRetry } from "./retry/transparent-retry.js";
import { type UnaryWire, sendConfiguredUnary } from "./retry/configured-unary.js";
import { RetryBufferBudget } from "./retry/buffer-budget.js";
import { RetryingStream, type StreamRetryWire } from "./retry/retrying-stream.js";
import { attemptHeaders, minTimeout } from "./retry/attempt-headers.js";
import type { CallOptions, ClientOptions } from "./client-options.js";
import { NO_METADATA, compressionHeaders, failedStream, identity, isSession, pathOf, requestHeaders, sendOnSession, start } from "./client-wire.js";

export type { CallOptions, ClientOptions } from "./client-options.js";

export class GrpcClient {
  private readonly pool: ConnectionPool;
  private readonly maxMessageBytes: number;
  private readonly defaultTimeoutMs: number | undefined;
  private readonly compression: CompressionName | undefined;
  private readonly compressionThresholdBytes: number;
  /** The interceptor chain, or null when there is none (calls then go straight to the wire). */
  private readonly chain: CallChain | null;
  private readonly target: string;
  private readonly sessions = new SessionTracker();
  private readonly resolver: Resolver;
  /** Retries, hedges and transparent retries so far (retryStats()). */
  private readonly stats: ClientRetryStats = newRetryStats();
  /** Resends streams the server never processed (docs/fleet.md). */
  private readonly transparent = new TransparentRetry(this.stats, (call, path, headers, frame, signal) => this.startUnary(call, path, headers, frame, signal));
  /** The service config's retry machinery, or null (the hot path) without one. */
  private readonly retry: ClientRetry | null;
  /** Requests kept for retries (A6 buffer limits), shared by policies and transparent retries of streaming calls. */
  private readonly budget = new RetryBufferBudget();

  constructor(target: string | readonly string[], options: ClientOptions = {}) {
    const targets = typeof target === "string" ? [target] : target;
    if (targets.length === 0) throw new TypeError("at least one target is needed");
    // Names are checked here (AddressError) before anything connects; the resolver feeds the pool below.
    const resolver = options.resolver ?? resolverFor(targets, {}, options.tls !== undefined);
    const serviceConfig = options.serviceConfig === undefined ? undefined : toServiceConfig(options.serviceConfig);
    this.retry = serviceConfig === undefined ? null : new ClientRetry(serviceConfig, this.stats, this.budget);
    // Before the interceptor chain, which reads it.
    this.defaultTimeoutMs = options.defaultTimeoutMs;
    const connector = this.sessions.track(options.connector ?? buildConnector(options.engine ?? h2ClientEngine, options.tls));
    this.target = options.resolver !== undefined ? (targets[0] ?? "") : targetLabel(targets);
    const interceptors = options.interceptors ?? [];
    this.chain = interceptors.length === 0 ? null : new CallChain(interceptors, {
      sendUnary: (path, message, metadata, timeoutMs, signal, listener, compression, waitForReady, build) => this.sendUnary(path, message, metadata, timeoutMs, signal, listener, compression, waitForReady, build),
      openCall: (path, decode, body, callOptions, listener) => this.openCall(path, decode, body, callOptions, listener),
    }, this.target, this.defaultTimeoutMs);
    this.pool = new ConnectionPool([], connector, {
      maxSessions: Math.max(1, options.connections ?? 1),
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      ...(options.maxConnections !== undefined ? { maxSessionsPerTarget: options.maxConnections } : {}),
      ...(options.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: options.keepaliveIntervalMs } : {}),
      ...(options.keepaliveTimeoutMs !== undefined ? { keepaliveTimeoutMs: options.keepaliveTimeoutMs } : {}),
      ...(options.backoff !== undefined ? { backoff: options.backoff } : {}),
      // An explicit loadBalancing option wins over the service config's loadBalancingConfig.
      ...((options.loadBalancing ?? serviceConfig?.loadBalancingPolicy) !== undefined ? { loadBalancing: options.loadBalancing ?? serviceConfig?.loadBalancingPolicy } : {}),
      waitForReady: options.waitForReady === true,
      requestResolution: () => resolver.requestResolution(),
      ...(resolver.authority !== undefined ? { authority: resolver.authority } : {}),
    });
    this.resolver = resolver;
    resolver.start({ onAddresses: (addresses) => this.pool.setAddresses(addresses), onError: (error) => this.pool.resolutionFailed(error) });
    this.maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
    this.compression = options.compression;
    this.compressionThresholdBytes = options.compressionThresholdBytes ?? DEFAULT_COMPRESSION_THRESHOLD_BYTES;
  }

  /** A typed unary call. Rejects with GrpcError. */
  async unary<I extends DescMessage, O extends DescMessage>(
    method: DescMethodUnary<I, O>,
    request: MessageInitShape<I>,
    options?: CallOptions,
  ): Promise<MessageShape<O>> {
    if (this.chain !== null) return this.chain.unary(methodInfo(method), options, request) as Promise<MessageShape<O>>;
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
    if (this.chain !== null) {
      return this.chain.unary(rawMethodInfo(path, "unary"), options, message) as Promise<Uint8Array>;
    }
    return this.sendUnary(path, message, options?.metadata, options?.timeoutMs ?? this.defaultTimeoutMs, options?.signal, listenerOf(options), options?.compression, options?.waitForReady);
  }

  /** One unary call on the wire: the direct path, and the innermost step of the interceptor chain. */
  private sendUnary(
    path: string, message: Uint8Array, metadata: CallMetadata | undefined, timeoutMs: number | undefined,
    signal: AbortSignal | undefined, listener: ResponseListener | null, compressionName: CompressionName | undefined,
    waitForReady: boolean | undefined,
  ): Promise<Uint8Array>;
  /** `build` makes the promise's value from the response and the call (the chain's response, without another hop). */
  private sendUnary<T>(
    path: string, message: Uint8Array, metadata: CallMetadata | undefined, timeoutMs: number | undefined,
    signal: AbortSignal | undefined, listener: ResponseListener | null, compressionName: CompressionName | undefined,
    waitForReady: boolean | undefined, build: (reply: Uint8Array, call: ClientUnaryCall) => T,
  ): Promise<T>;
  private sendUnary<T>(
    path: string, message: Uint8Array, metadata: CallMetadata | undefined, timeoutMs: number | undefined,
    signal: AbortSignal | undefined, listener: ResponseListener | null, compressionName: CompressionName | undefined,
    waitForReady: boolean | undefined, build?: (reply: Uint8Array, call: ClientUnaryCall) => T,
  ): Promise<T | Uint8Array> {
    const retry = this.retry;
    if (retry !== null) {
      const method = retry.methodConfig(path);
      if (method !== undefined) return sendConfiguredUnary(this.unaryWire(retry), method, path, message, metadata, timeoutMs, signal, listener, compressionName, waitForReady, build);
    }
    const headers = metadata === undefined && timeoutMs === undefined ? NO_METADATA : requestHeaders(metadata, timeoutMs);
    if (headers instanceof GrpcError) return Promise.reject(headers);
    if (signal?.aborted) return Promise.reject(errors.cancelled("call aborted by the caller"));
    const compression = compressionName ?? this.compression;
    let frame: WireFrame;
    let wireHeaders = headers;
    if (compression === undefined) {
      frame = framedByReference(message);
    } else {
      wireHeaders = compressionHeaders(headers, compression);
      frame = compression === "identity" ? encodeFrame(message) : new MessageCompressor(compression, this.compressionThresholdBytes).frame(message, encodeFrame);
    }
    return new Promise<T | Uint8Array>((resolve, reject) => {
      const call: ClientUnaryCall = new ClientUnaryCall(build === undefined ? resolve : (reply) => {
        try {
          resolve(build(reply, call));
        } catch (error) {
          reject(GrpcError.from(error));
        }
      }, reject, this.maxMessageBytes);
      call.listener = listener;
      call.waitForReady = waitForReady;
      call.resend = this.transparent.unary;
      call.arm(timeoutMs, signal);
      this.startUnary(call, path, wireHeaders, frame, signal);
    });
  }

  /** Puts a unary call on a session from the pool. */
  private startUnary(call: ClientUnaryCall, path: string, wireHeaders: Metadata, frame: WireFrame, signal: AbortSignal | undefined): void {
    const session = this.pool.pick(signal, call.timeoutMs, call.waitForReady);
    if (isSession(session)) {
      start(session, call, path, wireHeaders, frame);
    } else {
      session.then((opened) => start(opened, call, path, wireHeaders, frame), (error: unknown) => call.abortLocally(GrpcError.from(error, Code.UNAVAILABLE)));
    }
  }

  /** What a call under a service config borrows from the client (made on first use). */
  private wire: UnaryWire | null = null;
  private unaryWire(retry: ClientRetry): UnaryWire {
    return (this.wire ??= {
      retry,
      maxMessageBytes: this.maxMessageBytes,
      compression: this.compression,
      compressionThresholdBytes: this.compressionThresholdBytes,
      headers: (metadata, timeoutMs, compression) => {
        const headers = requestHeaders(metadata, timeoutMs);
        return headers instanceof GrpcError || compression === undefined ? headers : compressionHeaders(headers, compression);
      },
      start: (call, path, headers, frame, signal) => {
        call.resend = this.transparent.unary;
        this.startUnary(call, path, headers, frame, signal);
      },
    });
  }

  /** What the retry machinery did so far: attempts, retries, hedges, transparent retries, throttled retries. */
  retryStats(): Readonly<ClientRetryStats> {
    return { ...this.stats };
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
    if (this.chain !== null) {
      return this.chain.stream(methodInfo(method), options, single(request));
    }
    const decode = protobufCodec(method.output).decode;
    let bytes: Uint8Array;
    try {
      bytes = protobufCodec(method.input).encode(create(method.input, request));
    } catch (cause) {
      return failedStream(errors.unencodableRequest(cause));
    }
    return this.open(pathOf(method), decode, bytes, options, listenerOf(options));
  }

  /** A client-streaming call: sends what `requests` yields (then half-closes) and resolves with the one response. */
  async clientStream<I extends DescMessage, O extends DescMessage>(
    method: DescMethodClientStreaming<I, O>,
    requests: AsyncIterable<MessageInitShape<I>>,
    options?: CallOptions,
  ): Promise<MessageShape<O>> {
    const responses = this.chain !== null
      ? this.chain.stream<MessageShape<O>>(methodInfo(method), options, requests)
      : this.open(pathOf(method), protobufCodec(method.output).decode, encodeAll(method.input, requests), options, listenerOf(options));
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
    if (this.chain !== null) {
      return this.chain.stream(methodInfo(method), options, requests);
    }
    return this.open(pathOf(method), protobufCodec(method.output).decode, encodeAll(method.input, requests), options, listenerOf(options));
  }

  /** A streaming call on encoded messages (no length prefix), for callers that bring their own codec (the benchmark). */
  streamRaw(path: string, requests: AsyncIterable<Uint8Array> | Uint8Array, options?: CallOptions): AsyncIterable<Uint8Array> {
    if (this.chain !== null) {
      const messages = requests instanceof Uint8Array ? single(requests) : requests;
      return this.chain.stream(rawMethodInfo(path, "bidi_streaming"), options, messages);
    }
    return this.open(path, identity, requests, options, listenerOf(options));
  }

  private open<T>(
    path: string, decode: (bytes: Uint8Array) => T, body: AsyncIterable<Uint8Array> | Uint8Array, options: CallOptions | undefined,
    listener: ResponseListener | null,
  ): AsyncIterable<T> {
    const call = this.openCall(path, decode, body, options, listener);
    return call instanceof GrpcError ? failedStream(call) : call.responses;
  }

  /** Starts a streaming call, or says why it cannot start. */
  private openCall<T>(
    path: string, decode: (bytes: Uint8Array) => T, body: AsyncIterable<Uint8Array> | Uint8Array, options: CallOptions | undefined,
    listener: ResponseListener | null,
  ): ClientStreamingCall<T> | GrpcError {
    const method = this.retry?.methodConfig(path);
    const policy = method !== undefined && (method.retryPolicy !== undefined || method.hedgingPolicy !== undefined);
    // The method config's timeout and message limits apply with or without a policy (as for unary calls).
    const timeoutMs = minTimeout(options?.timeoutMs ?? this.defaultTimeoutMs, method?.timeoutMs);
    const headers = requestHeaders(options?.metadata, timeoutMs);
    if (headers instanceof GrpcError) return headers;
    const signal = options?.signal;
    if (signal?.aborted) return errors.cancelled("call aborted by the caller");
    const call = new ClientStreamingCall<T>(decode, Math.min(this.maxMessageBytes, method?.maxResponseMessageBytes ?? Infinity));
    call.listener = listener;
    const compression = options?.compression ?? this.compression;
    let wireHeaders = headers;
    if (compression !== undefined) {
      wireHeaders = compressionHeaders(headers, compression);
      if (compression !== "identity") call.compressor = new MessageCompressor(compression, this.compressionThresholdBytes);
      call.compressRequest = options?.compressRequest;
    }
    call.arm(timeoutMs, signal);
    // One request known up front (server-streaming): its frame is made once and kept for a transparent retry.
    let frame: Uint8Array | null = null;
    if (body instanceof Uint8Array) {
      if (method?.maxRequestMessageBytes !== undefined && body.length > method.maxRequestMessageBytes) {
        call.abortLocally(errors.messageTooLarge(body.length, method.maxRequestMessageBytes));
        return call;
      }
      try {
        frame = call.frame(body, 0);
      } catch (error) {
        call.abortLocally(GrpcError.from(error, Code.INTERNAL)); // the responses throw it
        return call;
      }
    }
    const waitForReady = options?.waitForReady ?? method?.waitForReady;
    // Requests from an iterable, or a retry / hedging policy: attempts replay the buffered requests (docs/fleet.md).
    if (frame === null || policy) {
      const retry = this.retry;
      new RetryingStream(call, this.streamWire(), {
        path, body: frame ?? body, waitForReady, signal, policy, timeoutMs,
        maxRequestMessageBytes: method?.maxRequestMessageBytes,
        headers: !policy ? wireHeaders : (attempt) => attemptHeaders(options?.metadata, attempt, compression),
        ...(retry !== null && policy ? { run: (send, ended) => retry.runStream(method, timeoutMs, ended(), send) } : {}),
      }).start();
      return call;
    }
    const begin = (session: ClientSession) => {
      if (!call.isSettled) sendOnSession(session, call, path, wireHeaders, frame);
    };
    const pick = () => {
      const session = this.pool.pick(signal, timeoutMs, waitForReady);
      if (isSession(session)) begin(session);
      else session.then(begin, (error: unknown) => call.abortLocally(GrpcError.from(error, Code.UNAVAILABLE)));
    };
    call.resend = this.transparent.streaming(pick);
    pick();
    return call;
  }

  /** What a retrying streaming call borrows from the client (made on first use). */
  private retryWire: StreamRetryWire | null = null;
  private streamWire(): StreamRetryWire {
    return (this.retryWire ??= { stats: this.stats, budget: this.budget, pick: (signal, timeoutMs, waitForReady) => this.pool.pick(signal, timeoutMs, waitForReady) });
  }

  /* ---------------------------------------------------------- interceptors */

  /**
   * Closes every connection. Without `force`, calls in flight finish first; either way the promise resolves once
   * every session's socket has closed (and connection attempts still under way have ended).
   */
  async close(force = false): Promise<void> {
    this.resolver.close();
    this.pool.close(force);
    await this.sessions.allClosed(force);
  }
}
