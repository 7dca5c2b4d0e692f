/**
 * How a GrpcClient with interceptors runs its calls: builds the request the chain sees, runs the chain, and as
 * its innermost step encodes, sends (through the client's own unary and streaming machinery) and decodes. A client
 * without interceptors never makes one of these.
 */
import { create, fromBinary, toBinary, type DescMessage, type DescMethod, type MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "../errors/codes.js";
import { errors } from "../errors/catalog.js";
import { GrpcError } from "../errors/grpc-error.js";
import { protobufCodec } from "../protocol/codec.js";
import { type CallMetadata, fromWireMetadata } from "../protocol/metadata.js";
import {
  type ClientCallFn, type ClientInterceptor, type ClientResponse, type ClientStreamRequest, type ClientStreamResponse,
  type ClientUnaryRequest, type ClientUnaryResponse, type MethodInfo, chainClientInterceptors, deferredStream,
} from "./interceptors.js";
import type { CompressionName } from "../protocol/compression.js";
import { type ResponseListener, listenerOf } from "./response-metadata.js";
import type { ClientStreamingCall } from "./streaming-call.js";
import type { ClientUnaryCall } from "./unary-call.js";

/** The per-call options the chain takes (GrpcClient's CallOptions). */
export interface ChainCallOptions extends ResponseListener {
  timeoutMs?: number;
  metadata?: CallMetadata;
  signal?: AbortSignal;
  compression?: CompressionName;
  compressRequest?: (index: number) => boolean;
  waitForReady?: boolean;
}

/** What the chain's innermost step needs from the client: its two ways of putting a call on the wire. */
export interface Wire {
  sendUnary<T>(
    path: string, message: Uint8Array, metadata: CallMetadata | undefined, timeoutMs: number | undefined,
    signal: AbortSignal | undefined, listener: ResponseListener | null, compression: CompressionName | undefined,
    waitForReady: boolean | undefined, build: (reply: Uint8Array, call: ClientUnaryCall) => T,
  ): Promise<T>;
  openCall<T>(
    path: string, decode: (bytes: Uint8Array) => T, body: AsyncIterable<Uint8Array>, options: ChainCallOptions,
    listener: ResponseListener | null,
  ): ClientStreamingCall<T> | GrpcError;
}

/** The caller's onHeader / onTrailer and per-message compression choice travel with the request, for the innermost step. */
type WithListener = { readonly listener?: ResponseListener | null; readonly compressRequest?: (index: number) => boolean };

function compressRequestOf(request: object): ((index: number) => boolean) | undefined {
  return (request as WithListener).compressRequest;
}

export class CallChain {
  private readonly chain: ClientCallFn;

  constructor(
    interceptors: readonly ClientInterceptor[],
    private readonly wire: Wire,
    private readonly target: string,
    private readonly defaultTimeoutMs: number | undefined,
  ) {
    this.chain = chainClientInterceptors(interceptors, this.transport);
  }

  /** What a request of either kind carries from the call's options (the metadata copied: interceptors may change it). */
  private requestBase(method: MethodInfo, options: ChainCallOptions | undefined) {
    return {
      method,
      metadata: options?.metadata === undefined ? {} : { ...options.metadata },
      timeoutMs: options?.timeoutMs ?? this.defaultTimeoutMs,
      signal: options?.signal,
      compression: options?.compression,
      waitForReady: options?.waitForReady,
      target: this.target,
      listener: listenerOf(options),
    };
  }

  /** A unary call; resolves with the response message (one promise hop for the message and the error mapping). */
  unary(method: MethodInfo, options: ChainCallOptions | undefined, message: unknown): Promise<unknown> {
    const request = { stream: false, ...this.requestBase(method, options), message } as ClientUnaryRequest;
    try {
      return this.chain(request).then(messageOf, rethrowAsGrpcError);
    } catch (error) {
      return Promise.reject(GrpcError.from(error));
    }
  }

  /** A streaming call (any of the three kinds); the responses, which throw the call's GrpcError. */
  stream<T>(method: MethodInfo, options: ChainCallOptions | undefined, messages: AsyncIterable<unknown>): AsyncIterable<T> {
    const request = { stream: true, ...this.requestBase(method, options), compressRequest: options?.compressRequest, messages } as ClientStreamRequest;
    let response: Promise<ClientStreamResponse>;
    try {
      response = this.chain(request).then(streamOf, rethrowAsGrpcError);
    } catch (error) {
      response = Promise.reject(GrpcError.from(error));
    }
    return deferredStream<T>(response);
  }

  /** The innermost step: encodes, sends and decodes with the method's codecs (bytes for raw calls). */
  private readonly transport: ClientCallFn = (request) => {
    const descriptor = request.method.descriptor;
    const listener = (request as WithListener).listener ?? null;
    if (!request.stream) {
      let bytes: Uint8Array;
      try {
        bytes = descriptor === undefined ? asBytes(request.message) : toBinary(descriptor.input, create(descriptor.input, request.message as MessageInitShape<DescMessage>));
      } catch (cause) {
        return Promise.reject(errors.unencodableRequest(cause));
      }
      return this.wire.sendUnary(request.method.path, bytes, request.metadata, request.timeoutMs, request.signal, listener, request.compression, request.waitForReady, (reply, call) => {
        let message: unknown = reply;
        if (descriptor !== undefined) {
          try {
            message = fromBinary(descriptor.output, reply);
          } catch (cause) {
            throw errors.undecodableResponse(cause);
          }
        }
        return new UnaryResponse(message, call);
      });
    }
    const decode = descriptor === undefined ? identity : protobufCodec(descriptor.output).decode;
    const body = descriptor === undefined ? rawAll(request.messages) : encodeAll(descriptor.input, request.messages as AsyncIterable<MessageInitShape<DescMessage>>);
    const call = this.wire.openCall<unknown>(request.method.path, decode, body, {
      metadata: request.metadata,
      ...(request.timeoutMs !== undefined ? { timeoutMs: request.timeoutMs } : {}),
      ...(request.signal !== undefined ? { signal: request.signal } : {}),
      ...(request.compression !== undefined ? { compression: request.compression } : {}),
      ...(request.waitForReady !== undefined ? { waitForReady: request.waitForReady } : {}),
      ...(compressRequestOf(request) !== undefined ? { compressRequest: compressRequestOf(request) } : {}),
    }, listener);
    if (call instanceof GrpcError) return Promise.reject(call);
    return Promise.resolve(new StreamResponse(call));
  };
}

function rethrowAsGrpcError(error: unknown): never {
  throw GrpcError.from(error);
}

function messageOf(response: ClientResponse): unknown {
  // An interceptor that answers a unary call with a stream response breaks the contract: say so.
  if (response.stream) throw new GrpcError(Code.INTERNAL, "an interceptor answered a unary call with a stream response");
  return response.message;
}

function streamOf(response: ClientResponse): ClientStreamResponse {
  if (!response.stream) throw new GrpcError(Code.INTERNAL, "an interceptor answered a streaming call with a unary response");
  return response;
}

/** A unary response whose metadata is converted only if an interceptor reads it (a class: cheap to make per call). */
class UnaryResponse implements ClientUnaryResponse {
  readonly stream = false;
  private headerMetadata: CallMetadata | undefined;
  private trailerMetadata: CallMetadata | undefined;

  constructor(public message: unknown, private readonly call: ClientUnaryCall) {}

  get attempts(): number {
    return this.call.previousAttempts + 1;
  }

  get headers(): CallMetadata {
    const call = this.call;
    return (this.headerMetadata ??= call.headers === null || call.headers === call.trailers ? {} : fromWireMetadata(call.headers));
  }

  get trailers(): CallMetadata {
    return (this.trailerMetadata ??= this.call.trailers === null ? {} : fromWireMetadata(this.call.trailers));
  }
}

/** A stream response whose headers and trailers are read from the call when they have come. */
class StreamResponse implements ClientStreamResponse {
  readonly stream = true;
  messages: AsyncIterable<unknown>;
  private headerMetadata: CallMetadata | undefined;
  private trailerMetadata: CallMetadata | undefined;

  constructor(private readonly call: ClientStreamingCall<unknown>) {
    this.messages = call.responses;
  }

  get headers(): CallMetadata | undefined {
    const headers = this.call.headers;
    return headers === null ? undefined : (this.headerMetadata ??= fromWireMetadata(headers));
  }

  get trailers(): CallMetadata | undefined {
    const trailers = this.call.trailers;
    return trailers === null ? undefined : (this.trailerMetadata ??= fromWireMetadata(trailers));
  }
}

/** Method descriptions are made once per method (per path for raw calls), not per call. */
const typedMethods = new WeakMap<DescMethod, MethodInfo>();
const rawMethods = new Map<string, MethodInfo>();
const RAW_METHODS_MAX = 1024;

export function methodInfo(method: DescMethod): MethodInfo {
  let info = typedMethods.get(method);
  if (info === undefined) {
    info = Object.freeze({
      path: `/${method.parent.typeName}/${method.name}`,
      service: method.parent.typeName,
      name: method.name,
      kind: method.methodKind,
      descriptor: method,
    });
    typedMethods.set(method, info);
  }
  return info;
}

export function rawMethodInfo(path: string, kind: MethodInfo["kind"]): MethodInfo {
  const key = `${kind} ${path}`;
  let info = rawMethods.get(key);
  if (info === undefined) {
    const slash = path.lastIndexOf("/");
    info = Object.freeze({ path, service: path.slice(1, slash), name: path.slice(slash + 1), kind });
    if (rawMethods.size < RAW_METHODS_MAX) rawMethods.set(key, info); // bounded: paths come from callers
  }
  return info;
}

function identity(bytes: Uint8Array): Uint8Array {
  return bytes;
}

function asBytes(message: unknown): Uint8Array {
  if (message instanceof Uint8Array) return message;
  throw new TypeError("a raw call's request must be bytes");
}

async function* rawAll(requests: AsyncIterable<unknown>): AsyncGenerator<Uint8Array> {
  for await (const request of requests) yield asBytes(request);
}

/** Typed requests to encoded messages, one at a time as the engine takes them. */
export async function* encodeAll<I extends DescMessage>(schema: I, requests: AsyncIterable<MessageInitShape<I>>): AsyncGenerator<Uint8Array> {
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
