/** grpc.testing loaded by @grpc/proto-loader from our proto/ files, for the grpc-js interop peers (keepCase: the proto's own field names). */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const protoRoot = fileURLToPath(new URL("../../../../proto", import.meta.url));

const definition = protoLoader.loadSync("grpc/testing/test.proto", {
  includeDirs: [protoRoot], keepCase: true, defaults: true, longs: Number, enums: String,
});
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  grpc: { testing: { TestService: grpc.ServiceClientConstructor; UnimplementedService: grpc.ServiceClientConstructor } };
};

export const TestServiceClient = loaded.grpc.testing.TestService;
export const UnimplementedServiceClient = loaded.grpc.testing.UnimplementedService;

export interface Payload { body: Buffer }
export interface BoolValue { value: boolean }
export interface EchoStatus { code: number; message: string }
export interface ResponseParameters { size: number; interval_us: number; compressed: BoolValue | null }
export interface SimpleRequest {
  response_size: number; payload: Payload | null; response_compressed: BoolValue | null; response_status: EchoStatus | null;
  expect_compressed: BoolValue | null;
}
export interface StreamingOutputCallRequest { response_parameters: ResponseParameters[]; payload: Payload | null; response_status: EchoStatus | null }
export interface StreamingInputCallRequest { payload: Payload | null; expect_compressed: BoolValue | null }

/** --name=value flags as the interop programs take them. */
export function flags(argv: readonly string[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z_]+)=(.*)$/s.exec(arg);
    if (match?.[1] !== undefined && match[2] !== undefined) out.set(match[1], match[2]);
  }
  return out;
}
