/**
 * Server interceptors: bearer-token auth that rejects before the handler runs, a logging interceptor that sees
 * method, peer, deadline and outcome, metadata changes the handler sees, error replacement, response headers, and
 * the wrapping of server-streaming and bidi calls. Every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { CallMetadata } from "../../src/protocol/metadata.js";
import type { ServerInterceptor } from "../../src/server/interceptors.js";
import { GrpcServer } from "../../src/server/server.js";
import { EchoService, createEchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { Health } from "../../src/gen/grpc/health/v1/health_pb.js";
import { ENGINES } from "../support/engines.js";

const TOKEN = "s3cret";

for (const engine of ENGINES) {
  describe(`server interceptors (engine ${engine.name})`, () => {
    let server: GrpcServer;
    let client: GrpcClient;
    const log: string[] = [];
    const handlerSaw: CallMetadata[] = [];

    const auth: ServerInterceptor = (next) => async (request) => {
      if (request.method.service === Health.typeName) return next(request); // health stays open
      if (request.context.metadata()["authorization"] !== `Bearer ${TOKEN}`) throw new GrpcError(Code.UNAUTHENTICATED, "missing or wrong token");
      request.context.metadata()["x-user"] = "alice"; // what the handler reads
      return next(request);
    };
    const logging: ServerInterceptor = (next) => async (request) => {
      const where = `${request.method.name} ${request.method.kind} ${request.context.peer.transport} deadline=${request.context.deadline === undefined ? "none" : "set"}`;
      try {
        const response = await next(request);
        request.context.responseHeaders["x-logged"] = "yes";
        log.push(`${where} ok`);
        return response;
      } catch (error) {
        log.push(`${where} ${error instanceof GrpcError ? error.codeName : "bug"}`);
        throw error;
      }
    };
    const hideBugs: ServerInterceptor = (next) => async (request) => {
      try {
        return await next(request);
      } catch (error) {
        if (error instanceof GrpcError) throw error;
        throw new GrpcError(Code.INTERNAL, "something broke (logged)");
      }
    };
    const countResponses: ServerInterceptor = (next) => async (request) => {
      const response = await next(request);
      if (!response.stream) return response;
      const messages = response.messages;
      return {
        stream: true,
        messages: (async function* () {
          let n = 0;
          for await (const message of messages) {
            n++;
            yield message;
          }
          request.context.responseTrailers["x-count"] = String(n);
        })(),
      };
    };

    before(async () => {
      server = new GrpcServer({ log: silentLogger(), engine: engine.server, interceptors: [logging, auth, hideBugs, countResponses] });
      const echo = createEchoService(silentLogger());
      server.addService(EchoService, {
        echo(request, ctx) {
          handlerSaw.push(ctx.metadata());
          if (Buffer.from(request.payload).toString() === "bug") throw new Error("secret internals");
          return { payload: request.payload };
        },
        echoStream: echo.echoStream,
      });
      const listener = await server.listen("tcp://127.0.0.1:0");
      client = new GrpcClient(listener.url, { engine: engine.client });
    });
    after(async () => {
      await client.close(true);
      await server.shutdown(500);
    });

    const withToken = { metadata: { authorization: `Bearer ${TOKEN}` } };

    test("bearer-token auth: no token is UNAUTHENTICATED before the handler runs; the right one passes", async () => {
      handlerSaw.length = 0;
      await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("x") }),
        (error: unknown) => error instanceof GrpcError && error.code === Code.UNAUTHENTICATED);
      assert.equal(handlerSaw.length, 0);
      const reply = await client.unary(EchoService.method.echo, { payload: Buffer.from("x") }, withToken);
      assert.equal(Buffer.from(reply.payload).toString(), "x");
      assert.equal(handlerSaw[0]?.["x-user"], "alice", "the handler sees what the interceptor added");
    });

    test("logging sees method, kind, peer, deadline and outcome; interceptors can set response headers", async () => {
      log.length = 0;
      let headers: CallMetadata | undefined;
      await client.unary(EchoService.method.echo, { payload: Buffer.from("x") }, { ...withToken, timeoutMs: 5000, onHeader: (h) => { headers = h; } });
      await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("x") }));
      assert.deepEqual(log, ["Echo unary tcp deadline=set ok", "Echo unary tcp deadline=none UNAUTHENTICATED"]);
      assert.equal(headers?.["x-logged"], "yes");
    });

    test("an interceptor replaces a handler's plain error", async () => {
      await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("bug") }, withToken),
        (error: unknown) => error instanceof GrpcError && error.code === Code.INTERNAL && error.rawMessage === "something broke (logged)");
    });

    test("streaming calls are wrapped: auth applies and the response stream can be observed to its end", async () => {
      await assert.rejects(async () => {
        for await (const _ of client.bidiStream(EchoService.method.echoStream, (async function* () { yield { payload: Buffer.from("a") }; })())) {
          // nothing expected
        }
      }, (error: unknown) => error instanceof GrpcError && error.code === Code.UNAUTHENTICATED);
      let trailers: CallMetadata | undefined;
      const got: string[] = [];
      for await (const reply of client.bidiStream(EchoService.method.echoStream, (async function* () {
        yield { payload: Buffer.from("a") };
        yield { payload: Buffer.from("b") };
        yield { payload: Buffer.from("c") };
      })(), { ...withToken, onTrailer: (t) => { trailers = t; } })) got.push(Buffer.from(reply.payload).toString());
      assert.deepEqual(got, ["a", "b", "c"]);
      assert.equal(trailers?.["x-count"], "3");
    });

    test("health can be left out of the auth interceptor", async () => {
      const reply = await client.unary(Health.method.check, { service: "" });
      assert.equal(reply.status, 1); // SERVING
    });
  });
}
