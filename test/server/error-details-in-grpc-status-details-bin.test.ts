/**
 * Rich error details (google.rpc.Status in grpc-status-details-bin): a handler's GrpcError details reach our
 * client decoded (findDetails), on every engine, and interoperate with @grpc/grpc-js both ways: a grpc-js client
 * reads the Status our server sends, our client decodes the Status a grpc-js server sends.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { decodeStatusDetails, detail, encodeStatusDetails } from "../../src/errors/status-details.js";
import { BadRequestSchema, ErrorInfoSchema, RetryInfoSchema } from "../../src/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "../../src/gen/google/rpc/status_pb.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { startEcho } from "../support/harness.js";

const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const definition = protoLoader.loadSync("fastgrpc/echo/v1/echo.proto", { includeDirs: [protoRoot], defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as { fastgrpc: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } } };
const EchoServiceClient = loaded.fastgrpc.echo.v1.EchoService;

function quotaError(): GrpcError {
  return new GrpcError(Code.RESOURCE_EXHAUSTED, "quota used up", {
    details: [
      detail(ErrorInfoSchema, { reason: "QUOTA", domain: "example.org", metadata: { tier: "free" } }),
      detail(RetryInfoSchema, { retryDelay: { seconds: 3n, nanos: 0 } }),
    ],
  });
}

for (const engine of ENGINES) {
  describe(`error details (engine ${engine.name})`, () => {
    test("a handler's details reach our client; findDetails decodes them by type", async () => {
      const running = await startEcho(engine, { setup: (server) => server.addService(EchoService, { echo() { throw quotaError(); } }) });
      try {
        await assert.rejects(running.client.unary(EchoService.method.echo, { payload: new Uint8Array(1) }), (error: unknown) => {
          assert.ok(error instanceof GrpcError);
          assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
          assert.deepEqual(error.details.map((one) => one.typeName), ["google.rpc.ErrorInfo", "google.rpc.RetryInfo"]);
          const [info] = error.findDetails(ErrorInfoSchema);
          assert.equal(info?.reason, "QUOTA");
          assert.equal(info?.domain, "example.org");
          assert.deepEqual(info?.metadata, { tier: "free" });
          assert.equal(error.findDetails(RetryInfoSchema)[0]?.retryDelay?.seconds, 3n);
          assert.deepEqual(error.findDetails(BadRequestSchema), []);
          assert.equal(error.metadata["grpc-status-details-bin"], undefined, "the details trailer is not user metadata");
          return true;
        });
      } finally {
        await running.stop();
      }
    });

    test("a grpc-js client reads the google.rpc.Status our server sends", async () => {
      const running = await startEcho(engine, { setup: (server) => server.addService(EchoService, { echo() { throw quotaError(); } }) });
      const client = new EchoServiceClient(running.url.replace("tcp://", ""), grpc.credentials.createInsecure());
      try {
        const error = await new Promise<grpc.ServiceError>((resolve, reject) => {
          client.makeUnaryRequest("/fastgrpc.echo.v1.EchoService/Echo", (x: Buffer) => x, (x: Buffer) => x, Buffer.from([10, 1, 0x61]), (e) => {
            if (e) resolve(e);
            else reject(new Error("the call succeeded"));
          });
        });
        assert.equal(error.code, grpc.status.RESOURCE_EXHAUSTED);
        const raw = error.metadata.get("grpc-status-details-bin")[0];
        assert.ok(Buffer.isBuffer(raw), "grpc-js hands the trailer over as bytes");
        const status = fromBinary(StatusSchema, raw);
        assert.equal(status.code, Code.RESOURCE_EXHAUSTED);
        assert.equal(status.message, "quota used up");
        const first = status.details[0] ?? assert.fail("no details");
        assert.equal(first.typeUrl, "type.googleapis.com/google.rpc.ErrorInfo");
        assert.equal(anyUnpack(first, ErrorInfoSchema)?.reason, "QUOTA");
      } finally {
        client.close();
        await running.stop();
      }
    });

    test("our client decodes the details a grpc-js server sends", async () => {
      const server = new grpc.Server();
      server.addService(EchoServiceClient.service, {
        Echo: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
          const status = create(StatusSchema, {
            code: Code.INVALID_ARGUMENT,
            message: "bad payload",
            details: [anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations: [{ field: "payload", description: "too short" }] }))],
          });
          const metadata = new grpc.Metadata();
          metadata.set("grpc-status-details-bin", Buffer.from(toBinary(StatusSchema, status)));
          callback({ code: grpc.status.INVALID_ARGUMENT, details: "bad payload", metadata });
        },
      });
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
      });
      const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: engine.client });
      try {
        await assert.rejects(client.unary(EchoService.method.echo, { payload: new Uint8Array(1) }), (error: unknown) => {
          assert.ok(error instanceof GrpcError);
          assert.equal(error.code, Code.INVALID_ARGUMENT);
          const [badRequest] = error.findDetails(BadRequestSchema);
          assert.equal(badRequest?.fieldViolations[0]?.field, "payload");
          assert.equal(badRequest?.fieldViolations[0]?.description, "too short");
          return true;
        });
      } finally {
        await client.close(true);
        server.forceShutdown();
      }
    });

    test("a status without details has none (and no details trailer is sent)", async () => {
      const running = await startEcho(engine, {
        setup: (server) => server.addService(EchoService, {
          echo() { throw new GrpcError(Code.ABORTED, "x", { metadata: { "x-ok": "1" } }); },
        }),
      });
      try {
        await assert.rejects(running.client.unary(EchoService.method.echo, { payload: new Uint8Array(1) }), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.ABORTED && error.details.length === 0);
      } finally {
        await running.stop();
      }
    });
  });
}

describe("grpc-status-details-bin decoding", () => {
  test("bytes that are not a google.rpc.Status give no details instead of an error", () => {
    assert.deepEqual(decodeStatusDetails(Buffer.from([0xff, 0xff, 0xff]).toString("base64")), []);
    assert.deepEqual(decodeStatusDetails(""), []);
    assert.deepEqual(decodeStatusDetails(undefined), []);
  });

  test("encoding is unpadded base64 and decodes padded or not", () => {
    const packed = new GrpcError(Code.INTERNAL, "m", { details: [detail(ErrorInfoSchema, { reason: "R" })] }).details;
    const encoded = encodeStatusDetails(Code.INTERNAL, "m", packed);
    assert.doesNotMatch(encoded, /=/);
    const padded = encoded + "=".repeat((4 - (encoded.length % 4)) % 4);
    const plain = (details: readonly { typeName: string; value: Uint8Array }[]) => details.map((one) => [one.typeName, Buffer.from(one.value).toString("hex")]);
    assert.deepEqual(plain(decodeStatusDetails(padded)), plain(packed));
    assert.deepEqual(plain(decodeStatusDetails(encoded)), plain(packed));
  });
});
