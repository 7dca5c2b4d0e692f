/**
 * Server reflection (v1 and v1alpha): list services, file by symbol (service, method, message) and by name with
 * transitive dependencies as FileDescriptorProtos that rebuild into working descriptors, NOT_FOUND answers inside
 * the stream, and turning reflection off. Runs on every engine.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { createFileRegistry, fromBinary } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { create } from "@bufbuild/protobuf";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { ServerReflection as V1 } from "../../src/gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as V1alpha } from "../../src/gen/grpc/reflection/v1alpha/reflection_pb.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

type Query = { case: "listServices"; value: string } | { case: "fileContainingSymbol"; value: string } | { case: "fileByFilename"; value: string };

async function ask(running: Running, queries: Query[], version: "v1" | "v1alpha" = "v1") {
  const requests = (async function* () {
    for (const query of queries) yield { host: "localhost", messageRequest: query };
  })();
  const out = [];
  const stream = version === "v1"
    ? running.client.bidiStream(V1.method.serverReflectionInfo, requests, { timeoutMs: 5000 })
    : running.client.bidiStream(V1alpha.method.serverReflectionInfo, requests, { timeoutMs: 5000 });
  for await (const response of stream) out.push(response);
  return out;
}

function files(response: { messageResponse: { case: string | undefined; value?: unknown } }): FileDescriptorProto[] {
  assert.equal(response.messageResponse.case, "fileDescriptorResponse");
  const value = response.messageResponse.value as { fileDescriptorProto: Uint8Array[] };
  return value.fileDescriptorProto.map((bytes) => fromBinary(FileDescriptorProtoSchema, bytes));
}

for (const engine of ENGINES) {
  describe(`server reflection (engine ${engine.name})`, () => {
    let running: Running | undefined;
    afterEach(async () => {
      await running?.stop();
      running = undefined;
    });

    for (const version of ["v1", "v1alpha"] as const) {
      test(`${version}: lists the services, health and reflection included`, async () => {
        running = await startEcho(engine);
        const [response] = await ask(running, [{ case: "listServices", value: "" }], version);
        assert.equal(response?.messageResponse.case, "listServicesResponse");
        const names = (response?.messageResponse.value as { service: { name: string }[] }).service.map((s) => s.name);
        assert.deepEqual(names, [
          "fastgrpc.echo.v1.EchoService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection",
        ]);
        assert.equal(response?.validHost, "localhost");
        assert.equal(response?.originalRequest?.messageRequest.case, "listServices");
      });
    }

    test("file_containing_symbol: by service, method and message; the descriptors rebuild into the same service", async () => {
      running = await startEcho(engine);
      const responses = await ask(running, [
        { case: "fileContainingSymbol", value: "fastgrpc.echo.v1.EchoService" },
        { case: "fileContainingSymbol", value: "fastgrpc.echo.v1.EchoService.EchoStream" },
        { case: "fileContainingSymbol", value: "fastgrpc.echo.v1.EchoRequest" },
        { case: "fileContainingSymbol", value: "grpc.health.v1.HealthCheckResponse.ServingStatus" },
      ]);
      assert.equal(responses.length, 4);
      for (const response of responses.slice(0, 3)) assert.equal(files(response)[0]?.name, "fastgrpc/echo/v1/echo.proto");
      assert.equal(files(responses[3] ?? assert.fail())[0]?.name, "grpc/health/v1/health.proto");
      // What a tool does with the answer: build a registry from it and find the method kinds.
      const registry = createFileRegistry(create(FileDescriptorSetSchema, { file: files(responses[0] ?? assert.fail()) }));
      const service = registry.getService("fastgrpc.echo.v1.EchoService");
      assert.deepEqual(service?.methods.map((m) => `${m.name}:${m.methodKind}`), ["Echo:unary", "EchoStream:bidi_streaming", "Download:server_streaming"]);
    });

    test("file_by_filename, and NOT_FOUND answers that keep the stream going", async () => {
      running = await startEcho(engine);
      const responses = await ask(running, [
        { case: "fileByFilename", value: "grpc/reflection/v1alpha/reflection.proto" },
        { case: "fileContainingSymbol", value: "no.such.Symbol" },
        { case: "fileByFilename", value: "no/such.proto" },
        { case: "fileByFilename", value: "fastgrpc/echo/v1/echo.proto" },
      ]);
      assert.equal(files(responses[0] ?? assert.fail())[0]?.package, "grpc.reflection.v1alpha");
      for (const missing of [responses[1], responses[2]]) {
        assert.equal(missing?.messageResponse.case, "errorResponse");
        assert.equal((missing?.messageResponse.value as { errorCode: number }).errorCode, Code.NOT_FOUND);
      }
      assert.equal(files(responses[3] ?? assert.fail())[0]?.name, "fastgrpc/echo/v1/echo.proto");
    });

    test("reflection can be turned off", async () => {
      running = await startEcho(engine, { server: { reflection: false } });
      await assert.rejects(ask(running, [{ case: "listServices", value: "" }]), (error: unknown) =>
        error instanceof GrpcError && error.code === Code.UNIMPLEMENTED);
    });
  });
}
