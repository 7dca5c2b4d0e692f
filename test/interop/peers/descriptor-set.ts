/** Writes grpc/testing/*.proto as a FileDescriptorSet from our generated code, for the Python peers' descriptor pool. */
import { writeFileSync } from "node:fs";
import { create, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { file_grpc_testing_empty } from "../../../src/gen/grpc/testing/empty_pb.js";
import { file_grpc_testing_messages } from "../../../src/gen/grpc/testing/messages_pb.js";
import { file_grpc_testing_test } from "../../../src/gen/grpc/testing/test_pb.js";

export function writeInteropDescriptorSet(path: string): void {
  const set = create(FileDescriptorSetSchema, {
    file: [file_grpc_testing_empty.proto, file_grpc_testing_messages.proto, file_grpc_testing_test.proto],
  });
  writeFileSync(path, toBinary(FileDescriptorSetSchema, set));
}
