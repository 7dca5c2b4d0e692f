/**
 * 4 MiB and 16 MiB messages both ways between the h2 engine and the node:http2 engine, and between the h2 engine and
 * @grpc/grpc-js: large DATA frames (our 1 MiB SETTINGS_MAX_FRAME_SIZE against peers that keep 16 KiB), payloads
 * written as their own buffers, flow control over many windows. Every byte must come back as it was sent.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { GrpcClient } from "../../src/client/client.js";
import { clientEngine, serverEngine, type EngineName } from "../../src/engine/registry.js";
import { EchoService } from "../../src/services/echo.js";
import { startEcho } from "../support/harness.js";

const LIMIT = 20 * 1024 * 1024;
const SIZES = [4 * 1024 * 1024, 16 * 1024 * 1024];

/** Bytes that differ from position to position, so a chunk delivered twice or out of order is caught. */
function pattern(size: number): Buffer {
  const b = Buffer.allocUnsafe(size);
  for (let i = 0; i < size; i++) b[i] = (i * 131 + (i >>> 12)) & 0xff;
  return b;
}

const PAIRS: Array<[EngineName, EngineName]> = [["h2", "node"], ["node", "h2"], ["h2", "h2"]];

describe("large messages between engines", () => {
  for (const [client, server] of PAIRS) {
    test(`${client} client -> ${server} server: 4 MiB and 16 MiB echo`, async () => {
      const running = await startEcho({ name: server, server: serverEngine(server), client: clientEngine(client) }, {
        server: { maxMessageBytes: LIMIT },
        client: { maxMessageBytes: LIMIT },
      });
      try {
        for (const size of SIZES) {
          const payload = pattern(size);
          const reply = await running.client.unary(EchoService.method.echo, { payload }, { timeoutMs: 60_000 });
          assert.equal(reply.payload.length, size);
          assert.ok(Buffer.from(reply.payload).equals(payload), `${size} bytes came back changed`);
        }
      } finally {
        await running.stop();
      }
    });
  }
});

const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const definition = protoLoader.loadSync("fastgrpc/echo/v1/echo.proto", { includeDirs: [protoRoot], defaults: true });
const EchoServiceClient = (grpc.loadPackageDefinition(definition) as unknown as {
  fastgrpc: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } };
}).fastgrpc.echo.v1.EchoService;
type EchoReply = { payload: Buffer };
const GRPC_JS_LIMITS = { "grpc.max_send_message_length": LIMIT, "grpc.max_receive_message_length": LIMIT };

describe("large messages with @grpc/grpc-js", () => {
  test("a grpc-js client and the h2 server: 4 MiB and 16 MiB echo", async () => {
    const running = await startEcho({ name: "h2", server: serverEngine("h2"), client: clientEngine("h2") }, {
      server: { maxMessageBytes: LIMIT },
    });
    const client = new EchoServiceClient(running.url.replace("tcp://", ""), grpc.credentials.createInsecure(), GRPC_JS_LIMITS);
    try {
      for (const size of SIZES) {
        const payload = pattern(size);
        const reply = await new Promise<EchoReply>((resolve, reject) => {
          const echo = (client as unknown as Record<string, (r: unknown, o: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: EchoReply) => void) => void>)["Echo"];
          echo?.call(client, { payload }, { deadline: Date.now() + 60_000 }, (e, r) => (e ? reject(e) : resolve(r)));
        });
        assert.ok(reply.payload.equals(payload), `${size} bytes came back changed`);
      }
    } finally {
      client.close();
      await running.stop();
    }
  });

  test("the h2 client and a grpc-js server: 4 MiB and 16 MiB echo", async () => {
    const server = new grpc.Server(GRPC_JS_LIMITS);
    server.addService(EchoServiceClient.service, {
      Echo: (call: grpc.ServerUnaryCall<{ payload: Buffer }, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => {
        callback(null, { payload: call.request.payload });
      },
    });
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: clientEngine("h2"), maxMessageBytes: LIMIT });
    try {
      for (const size of SIZES) {
        const payload = pattern(size);
        const reply = await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 60_000 });
        assert.ok(Buffer.from(reply.payload).equals(payload), `${size} bytes came back changed`);
      }
    } finally {
      await client.close(true);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    }
  });
});
