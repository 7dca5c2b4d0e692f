/**
 * "-bin" metadata is bytes on both sides: the client sends Buffers (base64 on the wire), the handler reads
 * Buffers, sets Buffers in response headers and trailers, and the caller gets them back through onHeader /
 * onTrailer (and on a failed call, in GrpcError.metadata). Unpadded base64 from a peer is accepted. Every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { CallMetadata } from "../../src/protocol/metadata.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

const BYTES = Buffer.from([0, 1, 2, 250, 251, 255, 0x3e]); // not a multiple of 3: base64 would carry padding

for (const engine of ENGINES) {
  describe(`binary metadata (engine ${engine.name})`, () => {
    let running: Running;
    const seen: CallMetadata[] = [];
    before(async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(EchoService, {
          echo(request, ctx) {
            const metadata = ctx.metadata();
            seen.push(metadata);
            ctx.responseHeaders["x-header-bin"] = Buffer.from("header bytes");
            ctx.responseHeaders["x-text"] = "plain";
            ctx.responseTrailers["x-trailer-bin"] = [Buffer.from([1]), Buffer.from([2, 3])];
            if (Buffer.from(request.payload).toString() === "fail") {
              throw new GrpcError(Code.FAILED_PRECONDITION, "no", { metadata: { "x-why-bin": Buffer.from([9, 9]) } });
            }
            return { payload: request.payload };
          },
        }),
      });
    });
    after(() => running.stop());

    test("the handler reads -bin request metadata as Buffers and text metadata as strings", async () => {
      seen.length = 0;
      await running.client.unary(EchoService.method.echo, { payload: Buffer.from("ok") }, {
        metadata: { "x-id-bin": BYTES, "x-many-bin": [Buffer.from("a"), Buffer.from("bc")], "x-name": "n" },
      });
      const metadata = seen[0] ?? assert.fail("handler not called");
      assert.ok(Buffer.isBuffer(metadata["x-id-bin"]));
      assert.deepEqual(metadata["x-id-bin"], BYTES);
      assert.deepEqual(metadata["x-many-bin"], [Buffer.from("a"), Buffer.from("bc")]);
      assert.equal(metadata["x-name"], "n");
    });

    test("a base64 string for a -bin key is sent as it is; unpadded base64 decodes", async () => {
      seen.length = 0;
      const unpadded = BYTES.toString("base64").replace(/=+$/, "");
      assert.notEqual(unpadded, BYTES.toString("base64"), "the test value must need padding");
      await running.client.unary(EchoService.method.echo, { payload: Buffer.from("ok") }, { metadata: { "x-id-bin": unpadded } });
      assert.deepEqual(seen[0]?.["x-id-bin"], BYTES);
    });

    test("the caller sees response headers and trailers, -bin values as Buffers", async () => {
      let headers: CallMetadata | undefined;
      let trailers: CallMetadata | undefined;
      await running.client.unary(EchoService.method.echo, { payload: Buffer.from("ok") }, {
        onHeader: (value) => { headers = value; },
        onTrailer: (value) => { trailers = value; },
      });
      assert.deepEqual(headers?.["x-header-bin"], Buffer.from("header bytes"));
      assert.equal(headers?.["x-text"], "plain");
      assert.deepEqual(trailers?.["x-trailer-bin"], [Buffer.from([1]), Buffer.from([2, 3])]);
      assert.equal(trailers?.["grpc-status"], undefined, "reserved headers are not metadata");
    });

    test("a failed call carries its trailers, decoded, in GrpcError.metadata and onTrailer", async () => {
      let trailers: CallMetadata | undefined;
      await assert.rejects(
        running.client.unary(EchoService.method.echo, { payload: Buffer.from("fail") }, { onTrailer: (value) => { trailers = value; } }),
        (error: unknown) => {
          assert.ok(error instanceof GrpcError);
          assert.equal(error.code, Code.FAILED_PRECONDITION);
          assert.deepEqual(error.metadata["x-why-bin"], Buffer.from([9, 9]));
          return true;
        },
      );
      assert.deepEqual(trailers?.["x-why-bin"], Buffer.from([9, 9]));
    });

    test("bytes under a key without -bin are refused before anything is sent", async () => {
      await assert.rejects(
        running.client.unary(EchoService.method.echo, { payload: Buffer.from("ok") }, { metadata: { "x-text": Buffer.from("x") } }),
        (error: unknown) => error instanceof GrpcError && error.code === Code.INTERNAL && /-bin/.test(error.rawMessage),
      );
    });

    test("streaming calls report headers before the first message is read, and the trailers", async () => {
      const events: string[] = [];
      const responses = running.client.bidiStream(EchoService.method.echoStream, (async function* () {
        yield { payload: Buffer.from("a") };
      })(), {
        metadata: { "x-id-bin": BYTES },
        onHeader: () => events.push("headers"),
        onTrailer: () => events.push("trailers"),
      });
      for await (const response of responses) events.push(`message ${Buffer.from(response.payload).toString()}`);
      // Trailers are reported when they arrive, which may be before the caller has read the queued messages.
      assert.equal(events[0], "headers");
      assert.deepEqual(events.filter((event) => event !== "trailers"), ["headers", "message a"]);
      assert.equal(events.filter((event) => event === "trailers").length, 1);
    });
  });
}
