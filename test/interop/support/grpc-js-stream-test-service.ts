/**
 * The StreamTestService (test/support/stream-test-service.ts: every method kind) as @grpc/grpc-js sees it: a
 * ServiceDefinition whose (de)serialisers are protobuf-es's, so grpc-js clients and servers speak the same messages
 * as ours without .proto files or generated grpc-js code.
 */
import { type DescMessage, type MessageInitShape, type MessageShape, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { type Chunk, type CountRequest, type Total, StreamTestService, methods } from "../../support/stream-test-service.js";

export const PATHS = {
  unused: "/fastgrpc.test.v1.StreamTestService/Unused",
  count: "/fastgrpc.test.v1.StreamTestService/Count",
  sum: "/fastgrpc.test.v1.StreamTestService/Sum",
  pipe: "/fastgrpc.test.v1.StreamTestService/Pipe",
} as const;

export function serializer<T extends DescMessage>(schema: T): (value: MessageInitShape<T>) => Buffer {
  return (value) => Buffer.from(toBinary(schema, create(schema, value)));
}

export function deserializer<T extends DescMessage>(schema: T): (bytes: Buffer) => MessageShape<T> {
  return (bytes) => fromBinary(schema, bytes);
}

export const codecs = {
  countRequest: { serialize: serializer(methods.unused.input), deserialize: deserializer(methods.unused.input) },
  chunk: { serialize: serializer(methods.pipe.input), deserialize: deserializer(methods.pipe.input) },
  total: { serialize: serializer(methods.unused.output), deserialize: deserializer(methods.unused.output) },
};

function definition(path: string, requestStream: boolean, responseStream: boolean, request: { serialize: (value: never) => Buffer; deserialize: (bytes: Buffer) => unknown }, response: typeof request): grpc.MethodDefinition<unknown, unknown> {
  return {
    path, requestStream, responseStream,
    requestSerialize: request.serialize as (value: unknown) => Buffer, requestDeserialize: request.deserialize,
    responseSerialize: response.serialize as (value: unknown) => Buffer, responseDeserialize: response.deserialize,
  };
}

/** For grpc.Server#addService. */
export const STREAM_TEST_DEFINITION: grpc.ServiceDefinition = {
  Unused: definition(PATHS.unused, false, false, codecs.countRequest, codecs.total),
  Count: definition(PATHS.count, false, true, codecs.countRequest, codecs.chunk),
  Sum: definition(PATHS.sum, true, false, codecs.chunk, codecs.total),
  Pipe: definition(PATHS.pipe, true, true, codecs.chunk, codecs.chunk),
};

export type { Chunk, CountRequest, Total };
export { StreamTestService, methods };

/** A grpc-js server on 127.0.0.1 (ephemeral port). */
export async function startGrpcJsServer(implementation: grpc.UntypedServiceImplementation): Promise<{ server: grpc.Server; port: number; stop(): Promise<void> }> {
  const server = new grpc.Server();
  server.addService(STREAM_TEST_DEFINITION, implementation);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
  return { server, port, stop: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())) };
}
