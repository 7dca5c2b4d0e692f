/**
 * Server-streaming, client-streaming and bidi calls end to end: messages in order, statuses after messages,
 * EchoStream answering each message as it arrives, unimplemented methods. Runs on every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";
import { type Chunk, StreamTestService, chunkRequests, methods } from "../support/stream-test-service.js";
import { isGrpcError } from "../support/grpc-errors.js";

for (const engine of ENGINES) {
  describe(`streaming calls (engine ${engine.name})`, () => {
    let running: Running;
    before(async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *count(request) {
            for (let index = 0; index < request.count; index++) {
              yield { index, payload: new Uint8Array(request.payloadBytes) };
            }
            if (request.payloadBytes === 13) throw new GrpcError(Code.FAILED_PRECONDITION, "unlucky after the messages");
          },
          async sum(requests) {
            let count = 0;
            let bytes = 0n;
            for await (const chunk of requests) {
              assert.equal(chunk.index, count, "requests arrive in order");
              count++;
              bytes += BigInt(chunk.payload.length);
            }
            return { count, bytes };
          },
          async *pipe(requests) {
            for await (const chunk of requests) {
              if (chunk.index === 999_999) throw new Error("a handler bug");
              yield chunk;
            }
          },
        }),
      });
    });
    after(() => running.stop());

    test("server streaming: every message in order, then OK", async () => {
      const seen: number[] = [];
      for await (const chunk of running.client.serverStream(methods.count, { count: 50, payloadBytes: 3 })) {
        assert.equal(chunk.payload.length, 3);
        seen.push(chunk.index);
      }
      assert.deepEqual(seen, Array.from({ length: 50 }, (_, i) => i));
    });

    test("server streaming: zero messages is a valid stream", async () => {
      const seen: Chunk[] = [];
      for await (const chunk of running.client.serverStream(methods.count, { count: 0 })) seen.push(chunk);
      assert.equal(seen.length, 0);
    });

    test("server streaming: an error status arrives after the messages sent before it", async () => {
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const chunk of running.client.serverStream(methods.count, { count: 4, payloadBytes: 13 })) seen.push(chunk.index);
      }, isGrpcError(Code.FAILED_PRECONDITION));
      assert.deepEqual(seen, [0, 1, 2, 3]);
    });

    test("client streaming: the handler reads every request and answers once", async () => {
      const total = await running.client.clientStream(methods.sum, chunkRequests(300, 10));
      assert.equal(total.count, 300);
      assert.equal(total.bytes, 3000n);
      const empty = await running.client.clientStream(methods.sum, chunkRequests(0));
      assert.equal(empty.count, 0);
    });

    test("bidi: EchoStream answers each message before the next one is sent", async () => {
      // The request generator waits for the echo of each message: this only completes if the server answers as
      // messages arrive, not after the client half-closes.
      let echoed: () => void = () => undefined;
      const requests = async function* () {
        for (let i = 0; i < 20; i++) {
          const answered = new Promise<void>((resolve) => { echoed = resolve; });
          yield { payload: Buffer.from(`message ${i}`) };
          await answered;
        }
      };
      const replies: string[] = [];
      for await (const reply of running.client.bidiStream(EchoService.method.echoStream, requests(), { timeoutMs: 5000 })) {
        replies.push(Buffer.from(reply.payload).toString());
        echoed();
      }
      assert.deepEqual(replies, Array.from({ length: 20 }, (_, i) => `message ${i}`));
    });

    test("bidi: many messages, many calls at once on one connection", async () => {
      const run = async () => {
        let count = 0;
        for await (const chunk of running.client.bidiStream(methods.pipe, chunkRequests(2000, 16))) {
          assert.equal(chunk.index, count++);
        }
        return count;
      };
      assert.deepEqual(await Promise.all([run(), run(), run(), run()]), [2000, 2000, 2000, 2000]);
    });

    test("bidi: a handler that throws ends the call UNKNOWN, without the error text", async () => {
      const requests = async function* () {
        yield { index: 1, payload: new Uint8Array(1) };
        yield { index: 999_999, payload: new Uint8Array(1) };
      };
      await assert.rejects(async () => {
        for await (const _ of running.client.bidiStream(methods.pipe, requests())) { /* drain */ }
      }, (error: unknown) => isGrpcError(Code.UNKNOWN)(error) && !String((error as GrpcError).message).includes("a handler bug"));
    });

    test("a method the implementation leaves out answers UNIMPLEMENTED", async () => {
      await assert.rejects(running.client.unary(methods.unused, { count: 1 }), isGrpcError(Code.UNIMPLEMENTED));
    });

    test("unary calls still work next to streams", async () => {
      const reply = await running.client.unary(EchoService.method.echo, { payload: Buffer.from("hi") });
      assert.equal(Buffer.from(reply.payload).toString(), "hi");
    });
  });
}
