/**
 * Typed per-service clients, in the shape connect-es users know:
 *
 *   const echo = createClient(EchoService, new GrpcClient("tcp://127.0.0.1:50051"));
 *   const reply = await echo.echo({ payload }, { timeoutMs: 1000, onTrailer: (t) => ... });
 *   for await (const r of echo.echoStream(requests)) ...
 *
 * One method per RPC (the method's local name), request and response types inferred from the descriptor. The
 * methods are thin: each calls the GrpcClient method for its kind, so interceptors and options apply as usual.
 */
import type {
  DescMessage, DescMethodBiDiStreaming, DescMethodClientStreaming, DescMethodServerStreaming, DescMethodUnary, DescService,
  MessageInitShape, MessageShape,
} from "@bufbuild/protobuf";
import type { CallOptions, GrpcClient } from "./client.js";

/** The client function for one method descriptor. */
export type ClientMethod<M> =
  M extends DescMethodUnary<infer I, infer O> ? (request: MessageInitShape<I>, options?: CallOptions) => Promise<MessageShape<O>>
  : M extends DescMethodServerStreaming<infer I, infer O> ? (request: MessageInitShape<I>, options?: CallOptions) => AsyncIterable<MessageShape<O>>
  : M extends DescMethodClientStreaming<infer I, infer O> ? (requests: AsyncIterable<MessageInitShape<I>>, options?: CallOptions) => Promise<MessageShape<O>>
  : M extends DescMethodBiDiStreaming<infer I, infer O> ? (requests: AsyncIterable<MessageInitShape<I>>, options?: CallOptions) => AsyncIterable<MessageShape<O>>
  : never;

/** A typed client for a service: one function per method, keyed by the method's local name ("echo", "echoStream"). */
export type Client<S extends DescService> = { readonly [K in keyof S["method"]]: ClientMethod<S["method"][K]> };

export function createClient<S extends DescService>(service: S, client: GrpcClient): Client<S> {
  const out: Record<string, unknown> = {};
  // DescMethod does not narrow on methodKind, so each kind names its descriptor type once.
  for (const method of service.methods) {
    type Init = MessageInitShape<DescMessage>;
    switch (method.methodKind) {
      case "unary": {
        const unary = method as DescMethodUnary;
        out[method.localName] = (request: Init, options?: CallOptions) => client.unary(unary, request, options);
        break;
      }
      case "server_streaming": {
        const serverStreaming = method as DescMethodServerStreaming;
        out[method.localName] = (request: Init, options?: CallOptions) => client.serverStream(serverStreaming, request, options);
        break;
      }
      case "client_streaming": {
        const clientStreaming = method as DescMethodClientStreaming;
        out[method.localName] = (requests: AsyncIterable<Init>, options?: CallOptions) => client.clientStream(clientStreaming, requests, options);
        break;
      }
      case "bidi_streaming": {
        const bidi = method as DescMethodBiDiStreaming;
        out[method.localName] = (requests: AsyncIterable<Init>, options?: CallOptions) => client.bidiStream(bidi, requests, options);
        break;
      }
    }
  }
  // Built from the descriptor's own methods above, so the shape matches Client<S>.
  return Object.freeze(out) as Client<S>;
}
