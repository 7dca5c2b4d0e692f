/** Interop with the reference implementation, both ways: a @grpc/grpc-js client calls our server, our client calls a grpc-js server. */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { startEcho } from "../support/harness.js";

const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const definition = protoLoader.loadSync("fastgrpc/echo/v1/echo.proto", { includeDirs: [protoRoot], defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  fastgrpc: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } };
};
const EchoServiceClient = loaded.fastgrpc.echo.v1.EchoService;

type EchoReply = { payload: Buffer };

function grpcJsEcho(client: grpc.Client, payload: Buffer, deadlineMs = 5000): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const method = (client as unknown as Record<string, (req: unknown, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: EchoReply) => void) => void>)["Echo"];
    if (!method) throw new Error("no Echo method");
    method.call(client, { payload }, { deadline: Date.now() + deadlineMs }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

for (const engine of ENGINES) {
  describe(`interop with @grpc/grpc-js (engine ${engine.name})`, () => {
    test("a grpc-js client calls our server: payloads, unknown method, oversized message", async () => {
      const running = await startEcho(engine, { server: { maxMessageBytes: 64 * 1024 } });
      const client = new EchoServiceClient(running.url.replace("tcp://", ""), grpc.credentials.createInsecure(), {
        "grpc.max_send_message_length": 1024 * 1024,
      });
      try {
        for (const size of [0, 10, 60_000]) {
          const payload = Buffer.alloc(size, 7);
          const reply = await grpcJsEcho(client, payload);
          assert.equal(Buffer.compare(reply.payload, payload), 0);
        }
        await assert.rejects(grpcJsEcho(client, Buffer.alloc(100_000)), (error: grpc.ServiceError) => error.code === grpc.status.RESOURCE_EXHAUSTED);
        const unknown = await new Promise<grpc.ServiceError | null>((resolve) => {
          client.makeUnaryRequest("/fastgrpc.echo.v1.EchoService/Missing", (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (error) => resolve(error));
        });
        assert.equal(unknown?.code, grpc.status.UNIMPLEMENTED);
      } finally {
        client.close();
        await running.stop();
      }
    });

    test("our client calls a grpc-js server: payloads, status codes and messages", async () => {
      const server = new grpc.Server();
      server.addService(EchoServiceClient.service, {
        Echo: (call: grpc.ServerUnaryCall<{ payload: Buffer }, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => {
          const text = call.request.payload.toString();
          if (text === "fail") callback({ code: grpc.status.PERMISSION_DENIED, details: "nope \u2603" });
          else if (text === "slow") setTimeout(() => callback(null, { payload: call.request.payload }), 500);
          else callback(null, { payload: call.request.payload });
        },
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
      const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: engine.client });
      try {
        for (const payload of [new Uint8Array(0), Buffer.from("hi"), Buffer.alloc(1024 * 1024, 3)]) {
          const reply = await client.unary(EchoService.method.echo, { payload });
          assert.equal(Buffer.compare(Buffer.from(reply.payload), Buffer.from(payload)), 0);
        }
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("fail") }), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.PERMISSION_DENIED && error.rawMessage === "nope \u2603");
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("slow") }, { timeoutMs: 100 }), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
        await assert.rejects(client.callRaw("/fastgrpc.echo.v1.EchoService/Missing", new Uint8Array(0)), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.UNIMPLEMENTED);
      } finally {
        await client.close(true);
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      }
    });
  });
}
