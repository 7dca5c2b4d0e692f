/**
 * Client interceptors: one chain model, `(next) => async (request) => response`, as in connect-es. An interceptor
 * sees the method, the request metadata (and may change it), the deadline (timeoutMs, which it may shorten or
 * set), the abort signal and the message(s); it may observe or replace the response and the error, and wrap the
 * response stream of a streaming call. The client builds the chain once; without interceptors calls never come
 * here (the hot path is untouched).
 *
 *   const logging: ClientInterceptor = (next) => async (request) => {
 *     const started = performance.now();
 *     try { return await next(request); }
 *     finally { console.log(request.method.path, performance.now() - started); }
 *   };
 */
import type { DescMethod } from "@bufbuild/protobuf";
import type { CallMetadata } from "../protocol/metadata.js";
import type { CompressionName } from "../protocol/compression.js";
import type { MethodKind } from "../server/service.js";

/** The method a call is for. `descriptor` is there for typed calls (not for callRaw / streamRaw). */
export interface MethodInfo {
  /** "/package.Service/Method" */
  readonly path: string;
  /** "package.Service" */
  readonly service: string;
  /** "Method" */
  readonly name: string;
  readonly kind: MethodKind;
  readonly descriptor?: DescMethod;
}

interface ClientRequestBase {
  readonly method: MethodInfo;
  /** The request metadata; change it in place or pass a new request with another object. */
  metadata: CallMetadata;
  /** The deadline, relative to when the call starts on the wire (undefined: none). */
  timeoutMs: number | undefined;
  signal: AbortSignal | undefined;
  /** The call's message compression (gzip, deflate, identity), over the client's option; an interceptor may change it. */
  compression: CompressionName | undefined;
  /** Wait for a reachable server until the deadline instead of failing fast (undefined: the client's default). */
  waitForReady: boolean | undefined;
  /** The target the call goes to (the first of the client's targets), for tracing: "tcp://127.0.0.1:50051". */
  readonly target: string;
}

/** A unary call: one request message, one response. */
export interface ClientUnaryRequest extends ClientRequestBase {
  readonly stream: false;
  /** The request: a message or init object for typed calls, bytes for callRaw. */
  message: unknown;
}

/** A streaming call (server, client or bidi): requests and responses are AsyncIterables. */
export interface ClientStreamRequest extends ClientRequestBase {
  readonly stream: true;
  messages: AsyncIterable<unknown>;
}

export type ClientRequest = ClientUnaryRequest | ClientStreamRequest;

export interface ClientUnaryResponse {
  readonly stream: false;
  message: unknown;
  readonly headers: CallMetadata;
  readonly trailers: CallMetadata;
  /**
   * Which attempt answered, from 1: above 1 after transparent retries or a service config's retry / hedging
   * policy. Interceptors run once per call, around all its attempts (as in grpc-java, grpc-go and grpc-js: metadata
   * an interceptor adds goes out on every attempt). Optional: responses made by interceptors may leave it out.
   */
  readonly attempts?: number;
}

export interface ClientStreamResponse {
  readonly stream: true;
  /** The responses; iterating throws the call's GrpcError. Wrap it to observe the stream's end. */
  messages: AsyncIterable<unknown>;
  /** Response headers once they came (at the latest when the first message is read), else undefined. */
  readonly headers: CallMetadata | undefined;
  /** Trailers once the stream ended with a status from the server, else undefined. */
  readonly trailers: CallMetadata | undefined;
}

export type ClientResponse = ClientUnaryResponse | ClientStreamResponse;

/** What an interceptor wraps and returns; narrow on `request.stream` (unary requests get unary responses). */
export type ClientCallFn = (request: ClientRequest) => Promise<ClientResponse>;
export type ClientInterceptor = (next: ClientCallFn) => ClientCallFn;

/** The chain: the first interceptor is the outermost (it sees the call first and the outcome last). */
export function chainClientInterceptors(interceptors: readonly ClientInterceptor[], transport: ClientCallFn): ClientCallFn {
  let next = transport;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i];
    if (interceptor !== undefined) next = interceptor(next);
  }
  return next;
}

/**
 * An AsyncIterable over the messages of a stream response that is still being produced by the chain: the
 * public streaming methods return synchronously, the chain is asynchronous. Leaving the loop early returns the
 * inner iterator (which cancels the call).
 */
export function deferredStream<T>(response: Promise<ClientStreamResponse>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      let inner: AsyncIterator<unknown> | null = null;
      const open = async (): Promise<AsyncIterator<unknown>> => (inner ??= (await response).messages[Symbol.asyncIterator]());
      return {
        next: async () => (await (await open()).next()) as IteratorResult<T>,
        return: async () => {
          if (inner === null) {
            // Not started: cancel the call once the chain produced it.
            response.then((r) => r.messages[Symbol.asyncIterator]().return?.(), () => undefined).then(undefined, () => undefined);
            return { done: true, value: undefined };
          }
          await inner.return?.();
          return { done: true, value: undefined };
        },
      };
    },
  };
}

/** One iterable holding one message (a server-streaming request inside the chain). */
export async function* single<T>(message: T): AsyncGenerator<T> {
  yield message;
}
