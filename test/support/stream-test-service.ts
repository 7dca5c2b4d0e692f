/**
 * A service with every method kind, built at run time from a FileDescriptorProto (no generated code needed):
 *
 *   package fastgrpc.test.v1;
 *   message Chunk { uint32 index = 1; bytes payload = 2; }
 *   message CountRequest { uint32 count = 1; uint32 payload_bytes = 2; }
 *   message Total { uint32 count = 1; uint64 bytes = 2; }
 *   service StreamTestService {
 *     rpc Count(CountRequest) returns (stream Chunk);
 *     rpc Sum(stream Chunk) returns (Total);
 *     rpc Pipe(stream Chunk) returns (stream Chunk);
 *     rpc Unused(CountRequest) returns (Total);
 *   }
 */
import { type DescService, type Message, create, createFileRegistry } from "@bufbuild/protobuf";
import type { GenMessage, GenService } from "@bufbuild/protobuf/codegenv2";
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

const field = (name: string, number: number, type: FieldDescriptorProto_Type) => ({
  name, number, type, label: FieldDescriptorProto_Label.OPTIONAL, jsonName: name.replace(/_(\w)/g, (_, c: string) => c.toUpperCase()),
});

const file = create(FileDescriptorProtoSchema, {
  name: "fastgrpc/test/v1/stream_test.proto",
  package: "fastgrpc.test.v1",
  syntax: "proto3",
  messageType: [
    { name: "Chunk", field: [field("index", 1, FieldDescriptorProto_Type.UINT32), field("payload", 2, FieldDescriptorProto_Type.BYTES)] },
    { name: "CountRequest", field: [field("count", 1, FieldDescriptorProto_Type.UINT32), field("payload_bytes", 2, FieldDescriptorProto_Type.UINT32)] },
    { name: "Total", field: [field("count", 1, FieldDescriptorProto_Type.UINT32), field("bytes", 2, FieldDescriptorProto_Type.UINT64)] },
  ],
  service: [{
    name: "StreamTestService",
    method: [
      { name: "Count", inputType: ".fastgrpc.test.v1.CountRequest", outputType: ".fastgrpc.test.v1.Chunk", serverStreaming: true },
      { name: "Sum", inputType: ".fastgrpc.test.v1.Chunk", outputType: ".fastgrpc.test.v1.Total", clientStreaming: true },
      { name: "Pipe", inputType: ".fastgrpc.test.v1.Chunk", outputType: ".fastgrpc.test.v1.Chunk", clientStreaming: true, serverStreaming: true },
      { name: "Unused", inputType: ".fastgrpc.test.v1.CountRequest", outputType: ".fastgrpc.test.v1.Total" },
    ],
  }],
});

const registry = createFileRegistry(file, () => undefined);

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} missing from the test descriptor`);
  return value;
}

/** The message shapes, as the handlers and the client see them. */
export type Chunk = Message<"fastgrpc.test.v1.Chunk"> & { index: number; payload: Uint8Array };
export type CountRequest = Message<"fastgrpc.test.v1.CountRequest"> & { count: number; payloadBytes: number };
export type Total = Message<"fastgrpc.test.v1.Total"> & { count: number; bytes: bigint };

type Typed = GenService<{
  count: { methodKind: "server_streaming"; input: GenMessage<CountRequest>; output: GenMessage<Chunk> };
  sum: { methodKind: "client_streaming"; input: GenMessage<Chunk>; output: GenMessage<Total> };
  pipe: { methodKind: "bidi_streaming"; input: GenMessage<Chunk>; output: GenMessage<Chunk> };
  unused: { methodKind: "unary"; input: GenMessage<CountRequest>; output: GenMessage<Total> };
}>;

const untyped: DescService = must(registry.getService("fastgrpc.test.v1.StreamTestService"), "service");
for (const name of ["count", "sum", "pipe", "unused"]) must(untyped.method[name], name);
/** The descriptor, typed as protoc-gen-es would have generated it (checked above: every method is there). */
export const StreamTestService = untyped as unknown as Typed;
export const methods = StreamTestService.method;

/** `count` Chunk requests for sum and pipe, request i carrying `bytes` bytes of the value i & 0xff. */
export async function* chunkRequests(count: number, bytes = 8): AsyncGenerator<{ index: number; payload: Uint8Array }> {
  for (let index = 0; index < count; index++) yield { index, payload: new Uint8Array(bytes).fill(index & 0xff) };
}
