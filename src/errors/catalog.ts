import { Code } from "./codes.js";
import { GrpcError } from "./grpc-error.js";

/**
 * Every status that fastgrpc itself produces, in one place, so that messages stay consistent and tests can
 * match them. Services add their own next to their code.
 */
export const errors = {
  unimplementedMethod: (path: string) => new GrpcError(Code.UNIMPLEMENTED, `unknown method ${path}`),
  messageTooLarge: (size: number, limit: number) =>
    new GrpcError(Code.RESOURCE_EXHAUSTED, `message of ${size} bytes exceeds the limit of ${limit} bytes`),
  unsupportedEncoding: (encoding: string) =>
    new GrpcError(Code.UNIMPLEMENTED, `message compressed with "${encoding}", which this server does not support`),
  compressedWithoutEncoding: () =>
    new GrpcError(Code.INTERNAL, "compressed flag set on a message but no grpc-encoding was sent"),
  malformedTimeout: (value: string) => new GrpcError(Code.INVALID_ARGUMENT, `malformed grpc-timeout "${value}"`),
  deadlineExceeded: () => new GrpcError(Code.DEADLINE_EXCEEDED, "deadline exceeded"),
  cancelledByClient: () => new GrpcError(Code.CANCELLED, "call cancelled by the client"),
  cancelled: (why = "call cancelled") => new GrpcError(Code.CANCELLED, why),
  unaryWithoutRequest: () => new GrpcError(Code.UNIMPLEMENTED, "unary call ended without a request message"),
  unaryWithManyRequests: () => new GrpcError(Code.UNIMPLEMENTED, "unary call sent more than one request message"),
  truncatedMessage: () => new GrpcError(Code.INTERNAL, "stream ended inside a gRPC message frame"),
  undecodableRequest: (cause: unknown) => new GrpcError(Code.INTERNAL, "request message could not be decoded", { cause }),
  undecodableResponse: (cause: unknown) => new GrpcError(Code.INTERNAL, "response message could not be decoded", { cause }),
  unencodableRequest: (cause: unknown) => new GrpcError(Code.INTERNAL, "request message could not be encoded", { cause }),
  unencodableResponse: (cause: unknown) => new GrpcError(Code.INTERNAL, "response message could not be encoded", { cause }),
  handlerFailed: (cause: unknown) => new GrpcError(Code.UNKNOWN, "handler failed", { cause }),
  shuttingDown: () => new GrpcError(Code.UNAVAILABLE, "server is shutting down"),
  connectionClosed: (cause?: unknown) => new GrpcError(Code.UNAVAILABLE, "connection closed", { cause }),
  connectFailed: (target: string, cause: unknown) =>
    new GrpcError(Code.UNAVAILABLE, `cannot connect to ${target}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
  noResponseMessage: () => new GrpcError(Code.UNIMPLEMENTED, "unary call ended without a response message"),
  // Streaming calls.
  streamMissingRequest: () => new GrpcError(Code.UNIMPLEMENTED, "server-streaming call ended without a request message"),
  streamManyRequests: () => new GrpcError(Code.UNIMPLEMENTED, "server-streaming call sent more than one request message"),
  requestsOutranHandler: (bytes: number) =>
    new GrpcError(Code.RESOURCE_EXHAUSTED, `${bytes} bytes of request messages queued unread: the client sends faster than the handler reads`),
  requestStreamFailed: (cause: unknown) =>
    new GrpcError(Code.CANCELLED, `the request stream failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
  streamNoResponseMessage: () => new GrpcError(Code.UNIMPLEMENTED, "client-streaming call ended without a response message"),
  streamManyResponseMessages: () => new GrpcError(Code.UNIMPLEMENTED, "client-streaming call received more than one response message"),
  noStatus: () => new GrpcError(Code.INTERNAL, "response ended without grpc-status"),
} as const;
