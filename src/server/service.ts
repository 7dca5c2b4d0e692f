/**
 * How services are described and implemented. A service is a generated protobuf-es descriptor (GenService) plus
 * an object with one handler per method, so the compiler checks the request and response types:
 *
 *   server.addService(EchoService, { echo: async (request, ctx) => ({ payload: request.payload }) });
 */
import type { DescMethodUnary, DescService, MessageInitShape, MessageShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import type { Logger } from "../log/logger.js";
import type { Metadata } from "../protocol/metadata.js";
import type { PeerInfo } from "../transport/types.js";
import { type Codec, protobufCodec } from "../protocol/codec.js";

/** What a handler knows about its call. */
export interface CallContext {
  /** Aborted when the client cancels, the deadline passes or the server force-closes; reason is a GrpcError. */
  readonly signal: AbortSignal;
  /** The full :path, e.g. "/fastgrpc.echo.v1.EchoService/Echo". */
  readonly path: string;
  readonly peer: PeerInfo;
  /** Request metadata (built on first use). */
  metadata(): Metadata;
  /** Absolute deadline (Date.now() clock), or undefined when the client sent no grpc-timeout. */
  readonly deadline: number | undefined;
  /** The server's logger; check `log.isLevelEnabled` before building expensive arguments. */
  readonly log: Logger;
  /** Metadata to send with the response headers and trailers. */
  readonly responseHeaders: Metadata;
  readonly responseTrailers: Metadata;
}

/** A unary handler may return a full message or an init object (protobuf-es `create` fills the rest). */
export type UnaryHandler<I, O> = (request: I, context: CallContext) => Promise<O> | O;

type MethodsOf<S extends DescService> = S["method"];

/** The implementation of a service: one handler per unary method, keyed by the method's local name. */
export type ServiceImpl<S extends DescService> = {
  [K in keyof MethodsOf<S>]: MethodsOf<S>[K] extends DescMethodUnary<infer I, infer O>
    ? UnaryHandler<MessageShape<I>, MessageInitShape<O>>
    : never;
};

/** A method ready for the router: path, codecs and an untyped handler. */
export interface RegisteredMethod {
  readonly path: string;
  readonly kind: "unary";
  readonly requestCodec: Codec<unknown>;
  readonly responseCodec: Codec<unknown>;
  readonly handler: UnaryHandler<unknown, unknown>;
}

/** Flattens a typed service implementation into router entries. */
export function registerService<S extends DescService>(service: S, impl: ServiceImpl<S>): RegisteredMethod[] {
  const out: RegisteredMethod[] = [];
  for (const method of service.methods) {
    if (method.methodKind !== "unary") {
      throw new TypeError(`${service.typeName}.${method.name}: only unary methods are supported so far`);
    }
    const handler = (impl as Record<string, UnaryHandler<unknown, unknown> | undefined>)[method.localName];
    if (typeof handler !== "function") throw new TypeError(`${service.typeName}.${method.name} has no handler`);
    const output = method.output;
    const responseCodec = protobufCodec(output) as Codec<unknown>;
    out.push({
      path: `/${service.typeName}/${method.name}`,
      kind: "unary",
      requestCodec: protobufCodec(method.input) as Codec<unknown>,
      // Handlers may return init shapes; `create` is a no-op copy for full messages, so normalise before encoding.
      responseCodec: {
        encode: (value) => responseCodec.encode(create(output, value as MessageInitShape<typeof output>)),
        decode: (bytes) => responseCodec.decode(bytes),
      },
      handler,
    });
  }
  return out;
}
