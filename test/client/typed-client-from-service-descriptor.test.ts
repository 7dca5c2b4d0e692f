/**
 * createClient(Service, client): one function per RPC, typed from the descriptor, for unary and bidi methods,
 * with per-call options (deadline, signal, metadata, onHeader/onTrailer, compression passed along). Every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createClient } from "../../src/client/create-client.js";
import { GrpcClient } from "../../src/client/client.js";
import type { ClientRequest } from "../../src/client/interceptors.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { Health, HealthCheckResponse_ServingStatus } from "../../src/gen/grpc/health/v1/health_pb.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

for (const engine of ENGINES) {
  describe(`createClient (engine ${engine.name})`, () => {
    let running: Running;
    before(async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(EchoService, {
          async echo(request, ctx) {
            ctx.responseTrailers["x-echo-peer"] = ctx.peer.transport;
            if (Buffer.from(request.payload).toString() === "wait") {
              await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
            }
            return { payload: request.payload };
          },
        }),
      });
    });
    after(() => running.stop());

    test("unary and bidi methods by their local names, typed from the descriptor", async () => {
      const echo = createClient(EchoService, running.client);
      const reply = await echo.echo({ payload: Buffer.from("typed") });
      assert.equal(Buffer.from(reply.payload).toString(), "typed");
      const got: string[] = [];
      for await (const message of echo.echoStream((async function* () {
        yield { payload: Buffer.from("s1") };
        yield { payload: Buffer.from("s2") };
      })())) got.push(Buffer.from(message.payload).toString());
      assert.deepEqual(got, ["s1", "s2"]);
      const health = createClient(Health, running.client);
      const status = await health.check({ service: "" });
      assert.equal(status.status, HealthCheckResponse_ServingStatus.SERVING);
      assert.equal(typeof health.watch, "function", "server-streaming methods are there too");
    });

    test("per-call options: trailers, signal and deadline", async () => {
      const echo = createClient(EchoService, running.client);
      let peer: unknown;
      await echo.echo({ payload: Buffer.from("x") }, { onTrailer: (trailers) => { peer = trailers["x-echo-peer"]; } });
      assert.equal(peer, "tcp");
      const controller = new AbortController();
      const call = echo.echo({ payload: Buffer.from("wait") }, { signal: controller.signal });
      setImmediate(() => controller.abort());
      await assert.rejects(call, (error: unknown) => error instanceof GrpcError && error.code === Code.CANCELLED);
      await assert.rejects(echo.echo({ payload: Buffer.from("wait") }, { timeoutMs: 30 }),
        (error: unknown) => error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
    });

    test("the compression option is passed along to the call (interceptors see it)", async () => {
      const seen: ClientRequest[] = [];
      const client = new GrpcClient(running.url, { engine: engine.client, interceptors: [(next) => (request) => { seen.push(request); return next(request); }] });
      try {
        await createClient(EchoService, client).echo({ payload: Buffer.from("x") }, { compression: "identity" });
        assert.equal(seen[0]?.compression, "identity");
      } finally {
        await client.close();
      }
    });
  });
}
