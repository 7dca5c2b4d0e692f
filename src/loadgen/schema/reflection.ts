/**
 * The schema of a service from the target's server reflection: grpc.reflection.v1, then v1alpha for older servers
 * (the two have the same wire format, so one codec serves both paths). The file that defines the service comes
 * with its dependencies; any the server left out are asked for by name.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import type { CallOptions, GrpcClient } from "../../client/client.js";
import { Code } from "../../errors/codes.js";
import { GrpcError } from "../../errors/grpc-error.js";
import {
  type ServerReflectionRequest, ServerReflectionRequestSchema, ServerReflectionResponseSchema,
} from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { BenchRuntimeError } from "../probe.js";

const REFLECTION_PATHS = [
  "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
  "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo",
] as const;

/** Requests for missing dependencies, at most: a server that keeps naming new files is not followed forever. */
const MAX_FILE_REQUESTS = 200;

type Ask = ServerReflectionRequest["messageRequest"];

/** The files defining `serviceName` and everything they import, in no particular order. Throws BenchRuntimeError. */
export async function filesFromReflection(client: GrpcClient, serviceName: string, options: CallOptions): Promise<FileDescriptorProto[]> {
  let lastError: GrpcError | undefined;
  for (const path of REFLECTION_PATHS) {
    try {
      return await collectFiles((ask) => askOnce(client, path, ask, options), serviceName);
    } catch (error) {
      if (error instanceof BenchRuntimeError) throw error;
      lastError = GrpcError.from(error);
      if (lastError.code !== Code.UNIMPLEMENTED) break;
    }
  }
  if (lastError?.code === Code.UNIMPLEMENTED) {
    throw new BenchRuntimeError(`the target does not serve gRPC reflection: give the schema with --proto FILE`);
  }
  throw new BenchRuntimeError(`server reflection failed: ${lastError?.message ?? "no answer"}`);
}

/** Asks for the service's file, then for each dependency not yet received. */
export async function collectFiles(
  ask: (request: Ask) => Promise<Uint8Array[]>,
  serviceName: string,
): Promise<FileDescriptorProto[]> {
  const files = new Map<string, FileDescriptorProto>();
  const add = (encoded: Uint8Array[]) => {
    for (const bytes of encoded) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      if (!files.has(file.name)) files.set(file.name, file);
    }
  };
  add(await ask({ case: "fileContainingSymbol", value: serviceName }));
  for (let requests = 0; ; requests++) {
    const missing = [...files.values()].flatMap((file) => file.dependency).find((name) => !files.has(name));
    if (missing === undefined) return [...files.values()];
    if (requests >= MAX_FILE_REQUESTS) throw new BenchRuntimeError(`server reflection: too many files to fetch for ${serviceName}`);
    add(await ask({ case: "fileByFilename", value: missing }));
    if (!files.has(missing)) throw new BenchRuntimeError(`server reflection did not return ${missing}, which ${serviceName} needs`);
  }
}

/** One request on its own stream: the encoded FileDescriptorProtos of the answer. */
async function askOnce(client: GrpcClient, path: string, ask: Ask, options: CallOptions): Promise<Uint8Array[]> {
  const request = toBinary(ServerReflectionRequestSchema, create(ServerReflectionRequestSchema, { messageRequest: ask }));
  for await (const bytes of client.streamRaw(path, request, options)) {
    const answer = fromBinary(ServerReflectionResponseSchema, bytes).messageResponse;
    if (answer.case === "fileDescriptorResponse") return answer.value.fileDescriptorProto;
    if (answer.case === "errorResponse") {
      const { errorCode, errorMessage } = answer.value;
      const what = ask.case === "fileContainingSymbol" ? `service ${ask.value}` : `file ${String(ask.value)}`;
      if (errorCode === Code.NOT_FOUND) throw new BenchRuntimeError(`the target does not know ${what} (server reflection: NOT_FOUND)`);
      throw new BenchRuntimeError(`server reflection could not describe ${what}: ${errorMessage || `code ${errorCode}`}`);
    }
    throw new BenchRuntimeError(`server reflection answered ${answer.case ?? "nothing"} to a descriptor request`);
  }
  throw new BenchRuntimeError("server reflection ended the stream without an answer");
}
