/**
 * How services are described and implemented. A service is a generated protobuf-es descriptor (GenService) plus
 * an object with one handler per method, so the compiler checks the request and response types:
 *
 *   server.addService(EchoService, {
 *     echo: async (request, ctx) => ({ payload: request.payload }),                    // unary
 *     async *echoStream(requests, ctx) { for await (const r of requests) yield r; },   // bidi
 *   });
 *
 * Streaming handlers follow the connect-es shapes: a stream of responses is an AsyncIterable (an async generator),
 * a stream of requests is an AsyncIterable the handler reads. The server pulls responses only as fast as the
 * client's flow-control window allows, and stops reading requests when the handler does not keep up.
 */
import type {
  DescMessage,
  DescMethodBiDiStreaming, DescMethodClientStreaming, DescMethodServerStreaming, DescMethodUnary, DescService,
  MessageInitShape, MessageShape,
} from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { Logger } from "../log/logger.js";
import type { CompressionName } from "../protocol/compression.js";
import type { CallMetadata } from "../protocol/metadata.js";
import type { PeerInfo } from "../transport/types.js";
import { type Codec, protobufCodec } from "../protocol/codec.js";
import type { MethodStats } from "./metrics.js";

/** What a handler knows about its call. */
export interface CallContext {
  /** Aborted when the client cancels, the deadline passes or the server force-closes; reason is a GrpcError. */
  readonly signal: AbortSignal;
  /**
   * True once the call is over (answered, cancelled, past its deadline or force-closed). Free to read, where the
   * first use of `signal` creates an AbortController: for a handler that only checks before costly work.
   */
  readonly ended: boolean;
  /** The full :path, e.g. "/fastgrpc.echo.v1.EchoService/Echo". */
  readonly path: string;
  readonly peer: PeerInfo;
  /** Request metadata (built on first use; "-bin" values are Buffers). Interceptors may change it. */
  metadata(): CallMetadata;
  /** Absolute deadline (Date.now() clock), or undefined when the client sent no grpc-timeout. */
  readonly deadline: number | undefined;
  /** The server's logger; check `log.isLevelEnabled` before building expensive arguments. */
  readonly log: Logger;
  /**
   * Metadata to send with the response headers and trailers. On a streaming call, headers go out with the first
   * response message: set them before yielding it.
   */
  /**
   * Compresses this call's responses with `name` (announced as grpc-encoding) when the client accepts it, else
   * answers uncompressed. Before the first response message; messages under the server's threshold stay plain.
   */
  setCompression(name: CompressionName): void;
  /** Per message on a compressed call: false sends the next responses uncompressed, true compresses again. */
  setMessageCompression(enabled: boolean): void;
  /** True when this request message (one the handler was given) arrived compressed on the wire. */
  requestWasCompressed(request: unknown): boolean;
  readonly responseHeaders: CallMetadata;
  readonly responseTrailers: CallMetadata;
}

/** A unary handler may return a full message or an init object (protobuf-es `create` fills the rest). */
export type UnaryHandler<I, O> = (request: I, context: CallContext) => Promise<O> | O;
/** One request, a stream of responses: typically `async function* (request, ctx) { yield ...; }`. */
export type ServerStreamingHandler<I, O> = (request: I, context: CallContext) => AsyncIterable<O>;
/** A stream of requests, one response. */
export type ClientStreamingHandler<I, O> = (requests: AsyncIterable<I>, context: CallContext) => Promise<O> | O;
/** Both ways at once: the handler may answer each request as it comes, or in any other order. */
export type BidiStreamingHandler<I, O> = (requests: AsyncIterable<I>, context: CallContext) => AsyncIterable<O>;

type MethodsOf<S extends DescService> = S["method"];

/** The handler type for one method descriptor. */
export type HandlerFor<M> =
  M extends DescMethodUnary<infer I, infer O> ? UnaryHandler<MessageShape<I>, MessageInitShape<O>>
  : M extends DescMethodServerStreaming<infer I, infer O> ? ServerStreamingHandler<MessageShape<I>, MessageInitShape<O>>
  : M extends DescMethodClientStreaming<infer I, infer O> ? ClientStreamingHandler<MessageShape<I>, MessageInitShape<O>>
  : M extends DescMethodBiDiStreaming<infer I, infer O> ? BidiStreamingHandler<MessageShape<I>, MessageInitShape<O>>
  : never;

/** The implementation of a service: one handler per method, keyed by the method's local name. */
export type ServiceImpl<S extends DescService> = { [K in keyof MethodsOf<S>]: HandlerFor<MethodsOf<S>[K]> };

export type MethodKind = "unary" | "server_streaming" | "client_streaming" | "bidi_streaming";

interface RegisteredBase {
  readonly path: string;
  /** "package.Service" and "Method", for metrics and logs. */
  readonly serviceName: string;
  readonly methodName: string;
  readonly requestCodec: Codec<unknown>;
  readonly responseCodec: Codec<unknown>;
  /** This method's metrics counters when the server has metrics on, else null (one branch per call). */
  stats: MethodStats | null;
}

/** A method ready for the router: path, codecs and an untyped handler; `kind` picks the call machinery. */
export type RegisteredMethod =
  | (RegisteredBase & { readonly kind: "unary"; readonly handler: UnaryHandler<unknown, unknown> })
  | (RegisteredBase & { readonly kind: "server_streaming"; readonly handler: ServerStreamingHandler<unknown, unknown> })
  | (RegisteredBase & { readonly kind: "client_streaming"; readonly handler: ClientStreamingHandler<unknown, unknown> })
  | (RegisteredBase & { readonly kind: "bidi_streaming"; readonly handler: BidiStreamingHandler<unknown, unknown> });

export type UnaryMethod = Extract<RegisteredMethod, { kind: "unary" }>;
export type StreamingMethod = Exclude<RegisteredMethod, { kind: "unary" }>;

type AnyHandler = (input: never, context: CallContext) => unknown;

/**
 * Flattens a typed service implementation into router entries. Methods without a handler are left out, so the
 * router answers them UNIMPLEMENTED (an implementation may cover part of a service, as in grpc-js and connect-es).
 */
/**
 * Handlers may return init shapes (plain objects, fields left out). The flat codec (it has encodeFramed) reads
 * absent fields as their defaults, so it encodes them as they are; protobuf-es needs `create` first.
 */
const EMPTY_INIT = Object.freeze({});

function responseCodecFor(output: DescMessage, codec: Codec<unknown>): Codec<unknown> {
  const { encodeFramed, encodeFramedParts } = codec;
  if (encodeFramed !== undefined) {
    // A handler that returns nothing (plain JS can) answers the empty message, as `create` would make it.
    return {
      encode: (value) => codec.encode(value ?? EMPTY_INIT),
      decode: (bytes) => codec.decode(bytes),
      encodeFramed: (value) => encodeFramed(value ?? EMPTY_INIT),
      ...(encodeFramedParts !== undefined ? { encodeFramedParts: (value: unknown) => encodeFramedParts(value ?? EMPTY_INIT) } : {}),
    };
  }
  return {
    encode: (value) => codec.encode(create(output, value as MessageInitShape<typeof output>)),
    decode: (bytes) => codec.decode(bytes),
  };
}

export function registerService<S extends DescService>(service: S, impl: Partial<ServiceImpl<S>>): RegisteredMethod[] {
  const out: RegisteredMethod[] = [];
  const handlers = impl as Record<string, AnyHandler | undefined>;
  for (const method of service.methods) {
    const handler = handlers[method.localName];
    if (handler === undefined) continue;
    if (typeof handler !== "function") throw new TypeError(`${service.typeName}.${method.name}: handler is not a function`);
    const output = method.output;
    const responseCodec = protobufCodec(output) as Codec<unknown>;
    const base: RegisteredBase = {
      path: `/${service.typeName}/${method.name}`,
      serviceName: service.typeName,
      methodName: method.name,
      requestCodec: protobufCodec(method.input) as Codec<unknown>,
      responseCodec: responseCodecFor(output, responseCodec),
      stats: null,
    };
    // The typed ServiceImpl guarantees each handler's shape matches its method kind.
    switch (method.methodKind) {
      case "unary":
        out.push({ ...base, kind: "unary", handler: handler as UnaryHandler<unknown, unknown> });
        break;
      case "server_streaming":
        out.push({ ...base, kind: "server_streaming", handler: handler as ServerStreamingHandler<unknown, unknown> });
        break;
      case "client_streaming":
        out.push({ ...base, kind: "client_streaming", handler: handler as ClientStreamingHandler<unknown, unknown> });
        break;
      case "bidi_streaming":
        out.push({ ...base, kind: "bidi_streaming", handler: handler as BidiStreamingHandler<unknown, unknown> });
        break;
    }
  }
  return out;
}
