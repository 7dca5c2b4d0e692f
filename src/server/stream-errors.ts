import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";

/**
 * Statuses of streaming calls. TODO: move into src/errors/catalog.ts (owned by the lead) so that every status
 * fastgrpc produces stays in one place; kept here while that file is not ours to edit.
 */
export const streamErrors = {
  missingRequest: () => new GrpcError(Code.UNIMPLEMENTED, "server-streaming call ended without a request message"),
  manyRequests: () => new GrpcError(Code.UNIMPLEMENTED, "server-streaming call sent more than one request message"),
  requestsOutranHandler: (bytes: number) =>
    new GrpcError(Code.RESOURCE_EXHAUSTED, `${bytes} bytes of request messages queued unread: the client sends faster than the handler reads`),
  requestStreamFailed: (cause: unknown) =>
    new GrpcError(Code.CANCELLED, `the request stream failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause }),
  noResponseMessage: () => new GrpcError(Code.UNIMPLEMENTED, "client-streaming call ended without a response message"),
  manyResponseMessages: () => new GrpcError(Code.UNIMPLEMENTED, "client-streaming call received more than one response message"),
} as const;
