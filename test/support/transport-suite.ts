/**
 * The transport test-suite: the same behaviour checks for every transport (TCP here, VSOCK inside the test VM),
 * run for every engine. A transport passes when gRPC works over it exactly as over TCP.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { describe, test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { GrpcClient } from "../../src/client/client.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "./engines.js";
import { startEcho } from "./harness.js";

export interface TransportUnderTest {
  /** "tcp", "vsock". */
  readonly name: string;
  /** A listen URL with port 0 (or a fixed free port where the transport has no ephemeral ports). */
  listenUrl(): string;
  /** The URL a client uses to reach a listener (e.g. vsock://any:P -> vsock://1:P). */
  dialUrl(listenerUrl: string): string;
  /** A URL where nothing listens. */
  deadUrl(): string;
}

export function runTransportSuite(transport: TransportUnderTest): void {
  for (const engine of ENGINES) {
    describe(`transport ${transport.name} with engine ${engine.name}`, () => {
      test("echoes empty, small and 1 MiB payloads", async () => {
        const running = await startEcho(engine, { listen: transport.listenUrl(), dial: transport.dialUrl });
        const client = new GrpcClient(transport.dialUrl(running.url), { engine: engine.client });
        try {
          for (const size of [0, 1, 64, 1024 * 1024]) {
            const payload = randomBytes(size);
            const reply = await client.unary(EchoService.method.echo, { payload });
            assert.equal(Buffer.compare(Buffer.from(reply.payload), payload), 0, `payload of ${size} bytes`);
          }
        } finally {
          await client.close(true);
          await running.stop();
        }
      });

      test("carries 200 concurrent calls over one connection", async () => {
        const running = await startEcho(engine, { listen: transport.listenUrl(), dial: transport.dialUrl });
        const client = new GrpcClient(transport.dialUrl(running.url), { engine: engine.client });
        try {
          const replies = await Promise.all(Array.from({ length: 200 }, (_, i) =>
            client.unary(EchoService.method.echo, { payload: Buffer.from(`call ${i}`) })));
          replies.forEach((reply, i) => assert.equal(Buffer.from(reply.payload).toString(), `call ${i}`));
        } finally {
          await client.close(true);
          await running.stop();
        }
      });

      test("moves 16 MiB each way intact across flow-control windows", async () => {
        const limit = 32 * 1024 * 1024;
        const running = await startEcho(engine, { listen: transport.listenUrl(), dial: transport.dialUrl, server: { maxMessageBytes: limit } });
        const client = new GrpcClient(transport.dialUrl(running.url), { engine: engine.client, maxMessageBytes: limit });
        try {
          const payload = randomBytes(16 * 1024 * 1024);
          const reply = await client.unary(EchoService.method.echo, { payload });
          const digest = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");
          assert.equal(digest(reply.payload), digest(payload));
        } finally {
          await client.close(true);
          await running.stop();
        }
      });

      test("a target nobody listens on fails with UNAVAILABLE", async () => {
        const client = new GrpcClient(transport.deadUrl(), { engine: engine.client, connectTimeoutMs: 5000 });
        try {
          await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("x") }),
            (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
        } finally {
          await client.close(true);
        }
      });

      test("a server that stops while a client is connected fails later calls with UNAVAILABLE", async () => {
        const running = await startEcho(engine, { listen: transport.listenUrl(), dial: transport.dialUrl });
        const client = new GrpcClient(transport.dialUrl(running.url), { engine: engine.client, connectTimeoutMs: 5000 });
        try {
          await client.unary(EchoService.method.echo, { payload: Buffer.from("before") });
          await running.server.shutdown(100);
          await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("after") }),
            (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
        } finally {
          await client.close(true);
          await running.stop();
        }
      });
    });
  }
}
