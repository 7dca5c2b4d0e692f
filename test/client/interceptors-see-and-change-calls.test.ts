/**
 * Client interceptors: run in order (first = outermost), see the method, metadata and deadline, can change the
 * metadata and the deadline, observe and replace errors, and wrap streaming calls; they also apply to callRaw.
 * Every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcClient } from "../../src/client/client.js";
import type { ClientInterceptor, ClientRequest } from "../../src/client/interceptors.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { CallMetadata } from "../../src/protocol/metadata.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

for (const engine of ENGINES) {
  describe(`client interceptors (engine ${engine.name})`, () => {
    let running: Running;
    const serverSaw: { metadata: CallMetadata; deadline: number | undefined }[] = [];
    before(async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(EchoService, {
          async echo(request, ctx) {
            serverSaw.push({ metadata: ctx.metadata(), deadline: ctx.deadline });
            const text = Buffer.from(request.payload).toString();
            if (text.startsWith("sleep:")) await sleep(Number(text.slice(6)));
            if (text === "deny") throw new GrpcError(Code.PERMISSION_DENIED, "denied");
            ctx.responseTrailers["x-served-by"] = "test";
            return { payload: request.payload };
          },
        }),
      });
    });
    after(() => running.stop());

    function clientWith(...interceptors: ClientInterceptor[]): GrpcClient {
      return new GrpcClient(running.url, { engine: engine.client, interceptors });
    }

    test("interceptors run first-outermost, see the method, and can add metadata", async () => {
      const order: string[] = [];
      const seen: ClientRequest[] = [];
      const tag = (name: string): ClientInterceptor => (next) => async (request) => {
        order.push(`${name} in`);
        seen.push(request);
        request.metadata[`x-${name}`] = name;
        const response = await next(request);
        order.push(`${name} out`);
        return response;
      };
      const client = clientWith(tag("a"), tag("b"));
      try {
        serverSaw.length = 0;
        const reply = await client.unary(EchoService.method.echo, { payload: Buffer.from("hi") });
        assert.equal(Buffer.from(reply.payload).toString(), "hi");
        assert.deepEqual(order, ["a in", "b in", "b out", "a out"]);
        assert.equal(seen[0]?.method.path, "/fastgrpc.echo.v1.EchoService/Echo");
        assert.equal(seen[0]?.method.kind, "unary");
        assert.equal(seen[0]?.method.service, "fastgrpc.echo.v1.EchoService");
        assert.equal(seen[0]?.method.name, "Echo");
        assert.equal(serverSaw[0]?.metadata["x-a"], "a");
        assert.equal(serverSaw[0]?.metadata["x-b"], "b");
      } finally {
        await client.close();
      }
    });

    test("a unary response carries the headers and trailers; the caller's options reach the interceptor", async () => {
      let trailers: CallMetadata | undefined;
      let timeout: number | undefined;
      const client = clientWith((next) => async (request) => {
        timeout = request.timeoutMs;
        const response = await next(request);
        if (!response.stream) trailers = response.trailers;
        return response;
      });
      try {
        await client.unary(EchoService.method.echo, { payload: Buffer.from("x") }, { timeoutMs: 4321 });
        assert.equal(timeout, 4321);
        assert.equal(trailers?.["x-served-by"], "test");
      } finally {
        await client.close();
      }
    });

    test("a deadline budget interceptor caps the deadline the server sees and enforces it", async () => {
      const budget: ClientInterceptor = (next) => (request) => {
        if (request.timeoutMs === undefined || request.timeoutMs > 1000) request.timeoutMs = 1000;
        return next(request);
      };
      const client = clientWith(budget);
      try {
        serverSaw.length = 0;
        const before = Date.now();
        await client.unary(EchoService.method.echo, { payload: Buffer.from("x") });
        const deadline = serverSaw[0]?.deadline ?? assert.fail("no deadline reached the server");
        assert.ok(deadline - before <= 1500, "the server saw the capped deadline");
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("sleep:3000") }, { timeoutMs: 10_000 }),
          (error: unknown) => error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
      } finally {
        await client.close();
      }
    });

    test("an interceptor observes the error and can replace it; anything it throws is a GrpcError", async () => {
      const observed: Code[] = [];
      const client = clientWith(
        (next) => async (request) => {
          try {
            return await next(request);
          } catch (error) {
            if (error instanceof GrpcError) observed.push(error.code);
            throw new GrpcError(Code.UNAUTHENTICATED, "log in first", { cause: error });
          }
        },
      );
      const throwing = clientWith(() => () => { throw new Error("plain bug"); });
      try {
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("deny") }),
          (error: unknown) => error instanceof GrpcError && error.code === Code.UNAUTHENTICATED);
        assert.deepEqual(observed, [Code.PERMISSION_DENIED]);
        await assert.rejects(throwing.unary(EchoService.method.echo, { payload: Buffer.from("x") }),
          (error: unknown) => error instanceof GrpcError && error.code === Code.UNKNOWN && error.rawMessage === "plain bug");
      } finally {
        await client.close();
        await throwing.close();
      }
    });

    test("an interceptor can answer without calling the server", async () => {
      const client = clientWith(() => async () => ({ stream: false, message: { payload: Buffer.from("cached") }, headers: {}, trailers: {} }));
      try {
        const reply = await client.unary(EchoService.method.echo, { payload: Buffer.from("x") });
        assert.equal(Buffer.from(reply.payload).toString(), "cached");
      } finally {
        await client.close();
      }
    });

    test("streaming calls: the interceptor wraps both directions and sees the end of the response stream", async () => {
      const log: string[] = [];
      const client = clientWith((next) => async (request) => {
        assert.ok(request.stream);
        const requests = request.messages;
        request.messages = (async function* () {
          for await (const message of requests) {
            log.push("request");
            yield message;
          }
        })();
        const response = await next(request);
        assert.ok(response.stream);
        const messages = response.messages;
        return {
          ...response,
          messages: (async function* () {
            for await (const message of messages) {
              log.push("response");
              yield message;
            }
            log.push(`end, trailers ${response.trailers === undefined ? "missing" : "present"}`);
          })(),
        };
      });
      try {
        const got: string[] = [];
        for await (const reply of client.bidiStream(EchoService.method.echoStream, (async function* () {
          yield { payload: Buffer.from("1") };
          yield { payload: Buffer.from("2") };
        })())) got.push(Buffer.from(reply.payload).toString());
        assert.deepEqual(got, ["1", "2"]);
        assert.deepEqual(log.filter((entry) => entry === "request").length, 2);
        assert.deepEqual(log.filter((entry) => entry === "response").length, 2);
        assert.equal(log.at(-1), "end, trailers present");
      } finally {
        await client.close();
      }
    });

    test("leaving a stream early through the chain cancels the call on the server", async () => {
      const client = clientWith((next) => (request) => next(request));
      let requestsPulled = 0;
      try {
        const requests = (async function* () {
          for (;;) {
            requestsPulled++;
            yield { payload: Buffer.from("x") };
            await sleep(5);
          }
        })();
        for await (const _ of client.bidiStream(EchoService.method.echoStream, requests)) break;
        const pulledAtBreak = requestsPulled;
        await sleep(100);
        assert.ok(requestsPulled <= pulledAtBreak + 1, `the request stream stopped (${pulledAtBreak} -> ${requestsPulled})`);
      } finally {
        await client.close();
      }
    });

    test("raw calls go through the chain with bytes", async () => {
      const seen: unknown[] = [];
      const client = clientWith((next) => async (request) => {
        if (!request.stream) seen.push(request.message);
        return next(request);
      });
      try {
        const request = Buffer.from([10, 2, 0x6f, 0x6b]); // EchoRequest { payload: "ok" }
        const reply = await client.callRaw("/fastgrpc.echo.v1.EchoService/Echo", request);
        assert.deepEqual(Buffer.from(reply), request);
        assert.ok(seen[0] instanceof Uint8Array);
      } finally {
        await client.close();
      }
    });
  });
}
