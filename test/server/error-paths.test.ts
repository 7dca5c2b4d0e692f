/** Every way a call can fail ends as the right gRPC status, and the server keeps serving. Runs on every engine. */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import type { CallContext } from "../../src/server/service.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";
import { rejectsWithCode } from "../support/grpc-errors.js";

const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";

/** Echo whose behaviour the payload picks: "sleep:MS", "wait-abort", "throw", "status:CODE:MESSAGE", "meta". */
function scriptedEcho(seen: { aborts: unknown[]; metadata: Record<string, unknown>[] }) {
  return {
    async echo(request: { payload: Uint8Array }, ctx: CallContext) {
      const text = Buffer.from(request.payload).toString();
      if (text.startsWith("sleep:")) await sleep(Number(text.slice(6)));
      if (text === "wait-abort") {
        await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
        seen.aborts.push(ctx.signal.reason);
      }
      if (text === "throw") throw new Error("a bug with a secret inside");
      if (text.startsWith("status:")) {
        const [, code, message] = text.split(":");
        throw new GrpcError(Number(code) as Code, message ?? "", { metadata: { "x-detail": "yes" } });
      }
      if (text === "meta") {
        seen.metadata.push(ctx.metadata());
        ctx.responseHeaders["x-header"] = "h";
        ctx.responseTrailers["x-trailer"] = "t";
      }
      return { payload: request.payload };
    },
  };
}

/** A raw HTTP/2 request, for what our own client would never send. */
async function rawRequest(url: string, headers: http2.OutgoingHttpHeaders, body: Uint8Array) {
  const session = http2.connect(url.replace("tcp://", "http://"));
  try {
    return await new Promise<{ headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders }>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": ECHO_PATH, "content-type": "application/grpc", te: "trailers", ...headers });
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      stream.on("response", (h) => { responseHeaders = h; });
      stream.on("trailers", (t) => { trailers = t; });
      stream.on("data", () => undefined);
      stream.on("error", reject);
      stream.on("close", () => resolve({ headers: responseHeaders, trailers }));
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

function frame(message: Uint8Array, compressed = false): Buffer {
  const out = Buffer.alloc(5 + message.length);
  out[0] = compressed ? 1 : 0;
  out.writeUInt32BE(message.length, 1);
  out.set(message, 5);
  return out;
}

for (const engine of ENGINES) {
  describe(`error paths (engine ${engine.name})`, () => {
    let running: Running;
    const seen = { aborts: [] as unknown[], metadata: [] as Record<string, unknown>[] };
    const echo = (text: string, options?: Parameters<Running["client"]["unary"]>[2]) =>
      running.client.unary(EchoService.method.echo, { payload: Buffer.from(text) }, options);

    before(async () => {
      running = await startEcho(engine, {
        server: { maxMessageBytes: 1024 },
        setup: (server) => {
          // A second addService for the same service replaces the standard Echo handler with the scripted one.
          server.addService(EchoService, scriptedEcho(seen));
        },
      });
    });
    after(() => running.stop());

    test("unknown method answers UNIMPLEMENTED", async () => {
      await rejectsWithCode(running.client.callRaw("/fastgrpc.echo.v1.EchoService/Nope", new Uint8Array(0)), Code.UNIMPLEMENTED, /Nope/);
      await rejectsWithCode(running.client.callRaw("/no.such.Service/Echo", new Uint8Array(0)), Code.UNIMPLEMENTED);
    });

    test("an oversized request answers RESOURCE_EXHAUSTED and the server keeps serving", async () => {
      await rejectsWithCode(running.client.unary(EchoService.method.echo, { payload: new Uint8Array(4096) }), Code.RESOURCE_EXHAUSTED, /exceeds the limit of 1024/);
      assert.equal(Buffer.from((await echo("still here")).payload).toString(), "still here");
    });

    test("a wrong content-type answers HTTP 415", async () => {
      const { headers } = await rawRequest(running.url, { "content-type": "application/json" }, frame(new Uint8Array(0)));
      assert.equal(headers[":status"], 415);
    });

    test("application/grpc+proto is accepted", async () => {
      const { headers, trailers } = await rawRequest(running.url, { "content-type": "application/grpc+proto" }, frame(Buffer.from([0x0a, 0x01, 0x41])));
      assert.equal(headers[":status"], 200);
      assert.equal(trailers["grpc-status"], "0");
    });

    test("a malformed grpc-timeout answers INVALID_ARGUMENT", async () => {
      for (const bad of ["", "1", "123456789S", "10x", "-5S", "1.5S"]) {
        const { headers, trailers } = await rawRequest(running.url, { "grpc-timeout": bad }, frame(new Uint8Array(0)));
        const status = trailers["grpc-status"] ?? headers["grpc-status"];
        assert.equal(status, String(Code.INVALID_ARGUMENT), `grpc-timeout "${bad}"`);
      }
    });

    test("a compressed message without a supported grpc-encoding answers UNIMPLEMENTED", async () => {
      const { headers, trailers } = await rawRequest(running.url, { "grpc-encoding": "snappy" }, frame(Buffer.from([1, 2, 3]), true));
      assert.equal(trailers["grpc-status"] ?? headers["grpc-status"], String(Code.UNIMPLEMENTED));
    });

    test("a handler that waits past the deadline answers DEADLINE_EXCEEDED and its signal is aborted", async () => {
      const start = Date.now();
      await rejectsWithCode(echo("wait-abort", { timeoutMs: 150 }), Code.DEADLINE_EXCEEDED);
      assert.ok(Date.now() - start < 2000);
      await sleep(50);
      const reason = seen.aborts.pop();
      assert.ok(reason instanceof GrpcError && (reason.code === Code.DEADLINE_EXCEEDED || reason.code === Code.CANCELLED), String(reason));
    });

    test("a client cancel aborts the handler's signal", async () => {
      const controller = new AbortController();
      const call = echo("wait-abort", { signal: controller.signal });
      await sleep(100);
      controller.abort();
      await rejectsWithCode(call, Code.CANCELLED);
      for (let i = 0; i < 50 && seen.aborts.length === 0; i++) await sleep(10);
      const reason = seen.aborts.pop();
      assert.ok(reason instanceof GrpcError && reason.code === Code.CANCELLED, `handler saw ${String(reason)}`);
    });

    test("a handler that throws answers UNKNOWN without leaking the error text", async () => {
      await rejectsWithCode(echo("throw"), Code.UNKNOWN);
      await assert.rejects(echo("throw"), (error: GrpcError) => !error.rawMessage.includes("secret"));
      assert.equal(Buffer.from((await echo("alive")).payload).toString(), "alive");
    });

    test("a status error keeps its code, percent-encoded message and trailing metadata", async () => {
      await assert.rejects(echo("status:5:caf\u00e9 100% gone\nline2"), (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, Code.NOT_FOUND);
        assert.equal(error.rawMessage, "caf\u00e9 100% gone\nline2");
        assert.equal(error.metadata["x-detail"], "yes");
        return true;
      });
    });

    test("metadata reaches the handler", async () => {
      await echo("meta", { metadata: { "x-request-id": "abc", "x-multi": ["1", "2"] } });
      const metadata = seen.metadata.pop();
      assert.equal(metadata?.["x-request-id"], "abc");
      assert.equal(metadata?.["content-type"], undefined, "reserved headers are not metadata");
    });

    test("graceful shutdown: calls in flight complete, new calls are refused", async () => {
      const inFlight = [echo("sleep:300"), echo("sleep:300")];
      await sleep(50);
      const shutdown = running.server.shutdown(5000);
      await sleep(20);
      const replies = await Promise.all(inFlight);
      assert.deepEqual(replies.map((reply) => Buffer.from(reply.payload).toString()), ["sleep:300", "sleep:300"]);
      await shutdown;
      await rejectsWithCode(echo("after"), Code.UNAVAILABLE);
    });
  });
}
