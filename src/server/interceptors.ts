/**
 * Server interceptors: the same chain model as the client's, `(next) => async (request) => response`. An
 * interceptor sees the method, the handler's context (request metadata it may change, response headers and
 * trailers, deadline, peer, signal) and the request message(s); it may reject the call (throw a GrpcError),
 * observe or replace the response and the error, and wrap response streams. The server wraps each method's
 * handler once, at registration; with no interceptors nothing is wrapped and calls cost what they did.
 *
 *   const auth: ServerInterceptor = (next) => async (request) => {
 *     if (request.context.metadata()["authorization"] !== `Bearer ${token}`) throw new GrpcError(Code.UNAUTHENTICATED, "bad token");
 *     return next(request);
 *   };
 */
import type { MethodInfo } from "../client/interceptors.js";
import type {
  BidiStreamingHandler, CallContext, ClientStreamingHandler, RegisteredMethod, ServerStreamingHandler, UnaryHandler,
} from "./service.js";

export type { MethodInfo };

interface ServerRequestBase {
  readonly method: MethodInfo;
  /** The handler's context: metadata(), responseHeaders, responseTrailers, deadline, peer, signal, log. */
  readonly context: CallContext;
}

/** One request message (unary and server-streaming methods). */
export interface ServerUnaryRequest extends ServerRequestBase {
  readonly stream: false;
  message: unknown;
}

/** A stream of request messages (client-streaming and bidi methods). */
export interface ServerStreamRequest extends ServerRequestBase {
  readonly stream: true;
  messages: AsyncIterable<unknown>;
}

export type ServerRequest = ServerUnaryRequest | ServerStreamRequest;

/** One response message (unary and client-streaming methods). */
export interface ServerUnaryResponse {
  readonly stream: false;
  message: unknown;
}

/** A stream of responses (server-streaming and bidi methods); wrap it to observe its end. */
export interface ServerStreamResponse {
  readonly stream: true;
  messages: AsyncIterable<unknown>;
}

export type ServerResponse = ServerUnaryResponse | ServerStreamResponse;

/**
 * A step of the chain. It may answer synchronously: a handler that returns its response at once, behind
 * interceptors that do not await (`(next) => (request) => next(request)`), is then answered within the engine's
 * read of the request, where its response is batched with the others (an `async` step costs that batching).
 */
export type ServerCallFn = (request: ServerRequest) => ServerResponse | Promise<ServerResponse>;
export type ServerInterceptor = (next: ServerCallFn) => ServerCallFn;

function infoOf(method: RegisteredMethod): MethodInfo {
  return { path: method.path, service: method.serviceName, name: method.methodName, kind: method.kind };
}

function chain(interceptors: readonly ServerInterceptor[], inner: ServerCallFn): ServerCallFn {
  let next = inner;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    const interceptor = interceptors[i];
    if (interceptor !== undefined) next = interceptor(next);
  }
  return next;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return value instanceof Promise;
}

/** Applies `then` at once to a plain value, or when the promise settles. */
function map<T, U>(value: T | PromiseLike<T>, then: (resolved: T) => U): U | Promise<U> {
  if (typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function") {
    return Promise.resolve(value).then(then);
  }
  return then(value as T);
}

function expectUnary(response: ServerResponse, path: string): unknown {
  if (response.stream) throw new TypeError(`${path}: an interceptor answered a single-response method with a stream`);
  return response.message;
}

function expectStream(response: ServerResponse, path: string): AsyncIterable<unknown> {
  if (!response.stream) throw new TypeError(`${path}: an interceptor answered a streaming method with a single message`);
  return response.messages;
}

/** An async generator that runs the chain when first pulled and then yields what it answered. */
async function* streamFrom(response: () => ServerResponse | Promise<ServerResponse>, path: string): AsyncGenerator<unknown> {
  const answered = response();
  yield* expectStream(isPromise(answered) ? await answered : answered, path);
}

async function* one(message: unknown): AsyncGenerator<unknown> {
  yield message;
}

/** The method with its handler wrapped in the chain (the same method when there are no interceptors). */
export function interceptMethod(method: RegisteredMethod, interceptors: readonly ServerInterceptor[]): RegisteredMethod {
  if (interceptors.length === 0) return method;
  const info = infoOf(method);
  const path = method.path;
  switch (method.kind) {
    case "unary": {
      const handler = method.handler;
      const run = chain(interceptors, (request) =>
        map(handler(request.stream ? undefined : request.message, request.context), (message): ServerResponse => ({ stream: false, message })));
      const wrapped: UnaryHandler<unknown, unknown> = (message, context) =>
        map(run({ stream: false, method: info, context, message }), (response) => expectUnary(response, path));
      return { ...method, handler: wrapped };
    }
    case "server_streaming": {
      const handler = method.handler;
      const run = chain(interceptors, (request): ServerResponse => ({ stream: true, messages: handler(request.stream ? undefined : request.message, request.context) }));
      const wrapped: ServerStreamingHandler<unknown, unknown> = (message, context) =>
        streamFrom(() => run({ stream: false, method: info, context, message }), path);
      return { ...method, handler: wrapped };
    }
    case "client_streaming": {
      const handler = method.handler;
      const run = chain(interceptors, (request) =>
        map(handler(request.stream ? request.messages : one(request.message), request.context), (message): ServerResponse => ({ stream: false, message })));
      const wrapped: ClientStreamingHandler<unknown, unknown> = (messages, context) =>
        map(run({ stream: true, method: info, context, messages }), (response) => expectUnary(response, path));
      return { ...method, handler: wrapped };
    }
    case "bidi_streaming": {
      const handler = method.handler;
      const run = chain(interceptors, (request): ServerResponse => ({ stream: true, messages: handler(request.stream ? request.messages : one(request.message), request.context) }));
      const wrapped: BidiStreamingHandler<unknown, unknown> = (messages, context) =>
        streamFrom(() => run({ stream: true, method: info, context, messages }), path);
      return { ...method, handler: wrapped };
    }
  }
}
