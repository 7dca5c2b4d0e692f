/**
 * Streams respect flow control both ways (a slow reader holds the producer back instead of being buffered without
 * bound), and deadlines, client cancellation, a failing request iterable and server shutdown end streaming calls
 * with the right status on both sides. Runs on every engine.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { CallContext } from "../../src/server/service.js";
import { DEFAULT_TUNING } from "../../src/engine/h2/tuning.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";
import { type Chunk, type CountRequest, StreamTestService, methods } from "../support/stream-test-service.js";

const MESSAGE_BYTES = 1024;
const TOTAL = 40_000; // 40 MiB if nothing held the producer back
/**
 * What a stalled reader may let its sender produce: one stream window (the h2 engine's 4 MiB + 5, node's is
 * smaller) plus the sender's queue and socket buffers, well under 1 MiB: 5,120 one-KiB messages at most.
 */
const HELD_BACK_BELOW = Math.ceil((DEFAULT_TUNING.initialWindowSize + 1024 * 1024) / MESSAGE_BYTES);

function codeOf(error: unknown): string {
  assert.ok(error instanceof GrpcError, `expected GrpcError, got ${String(error)}`);
  return error.codeName;
}

function waitForAbort(ctx: CallContext): Promise<unknown> {
  return new Promise((resolve) => {
    if (ctx.signal.aborted) resolve(ctx.signal.reason);
    ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason), { once: true });
  });
}

for (const engine of ENGINES) {
  describe(`streaming flow control and cancellation (engine ${engine.name})`, () => {
    let running: Running | undefined;
    afterEach(async () => {
      await running?.stop();
      running = undefined;
    });

    test("a client that does not read holds the server's generator back", async () => {
      let produced = 0;
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *count(request: CountRequest) {
            for (let index = 0; index < request.count; index++) {
              produced++;
              yield { index, payload: new Uint8Array(request.payloadBytes) };
            }
          },
        }),
      });
      const stream = running.client.serverStream(methods.count, { count: TOTAL, payloadBytes: MESSAGE_BYTES });
      const iterator = stream[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      await sleep(300);
      const whileStalled = produced;
      // Windows and buffers of a few hundred KiB at most, not the 20 MiB the handler would produce unchecked.
      assert.ok(whileStalled < HELD_BACK_BELOW, `server produced ${whileStalled} messages while the client read 1`);
      let read = 1;
      for (;;) {
        const next = await iterator.next();
        if (next.done === true) break;
        read++;
      }
      assert.equal(read, TOTAL, "every message arrives once the client reads");
      assert.equal(produced, TOTAL);
    });

    test("a handler that does not read holds the client's request generator back", async () => {
      let produced = 0;
      let release: () => void = () => undefined;
      const released = new Promise<void>((resolve) => { release = resolve; });
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async sum(requests: AsyncIterable<Chunk>) {
            await released;
            let count = 0;
            for await (const _ of requests) count++;
            return { count, bytes: 0n };
          },
        }),
      });
      const requests = async function* () {
        for (let index = 0; index < TOTAL; index++) {
          produced++;
          yield { index, payload: new Uint8Array(MESSAGE_BYTES) };
        }
      };
      const total = running.client.clientStream(methods.sum, requests());
      await sleep(300);
      const whileStalled = produced;
      assert.ok(whileStalled < HELD_BACK_BELOW, `client produced ${whileStalled} messages while the handler read none`);
      release();
      assert.equal((await total).count, TOTAL);
    });

    test("a deadline ends a server stream DEADLINE_EXCEEDED for the caller and aborts the handler", async () => {
      let serverSaw: unknown;
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *count(_request: CountRequest, ctx: CallContext) {
            yield { index: 0, payload: new Uint8Array(0) };
            serverSaw = await waitForAbort(ctx);
          },
        }),
      });
      const started = Date.now();
      const seen: number[] = [];
      await assert.rejects(async () => {
        for await (const chunk of running!.client.serverStream(methods.count, { count: 1 }, { timeoutMs: 150 })) seen.push(chunk.index);
      }, (error) => codeOf(error) === "DEADLINE_EXCEEDED");
      assert.deepEqual(seen, [0]);
      assert.ok(Date.now() - started < 2000);
      await sleep(50);
      // Both sides time the deadline; whichever fires first ends the call (the client's RST_STREAM reads CANCELLED).
      assert.match(codeOf(serverSaw), /^(DEADLINE_EXCEEDED|CANCELLED)$/);
    });

    test("leaving the for-await early cancels the call: the handler sees CANCELLED and its finally runs", async () => {
      let serverSaw: unknown;
      let finallyRan = false;
      let markCancelled: () => void = () => undefined;
      const cancelled = new Promise<void>((resolve) => { markCancelled = resolve; });
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *count(_request: CountRequest, ctx: CallContext) {
            ctx.signal.addEventListener("abort", () => {
              serverSaw = ctx.signal.reason;
              markCancelled();
            });
            try {
              for (let index = 0; ; index++) yield { index, payload: new Uint8Array(8) };
            } finally {
              finallyRan = true;
            }
          },
        }),
      });
      let read = 0;
      for await (const _ of running.client.serverStream(methods.count, { count: 1 })) {
        if (++read === 5) break;
      }
      await cancelled;
      assert.equal(codeOf(serverSaw), "CANCELLED");
      await sleep(20);
      assert.ok(finallyRan, "the generator's finally block ran");
    });

    test("a request iterable that throws cancels the call and the caller sees why", async () => {
      let serverSaw: unknown;
      let markDone: () => void = () => undefined;
      const handlerDone = new Promise<void>((resolve) => { markDone = resolve; });
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *pipe(requests: AsyncIterable<Chunk>, ctx: CallContext) {
            try {
              for await (const chunk of requests) yield chunk;
            } finally {
              serverSaw = ctx.signal.reason;
              markDone();
            }
          },
        }),
      });
      const requests = async function* () {
        yield { index: 0, payload: new Uint8Array(1) };
        await sleep(20);
        throw new Error("the producer broke");
      };
      await assert.rejects(async () => {
        for await (const _ of running!.client.bidiStream(methods.pipe, requests())) { /* drain */ }
      }, (error) => codeOf(error) === "CANCELLED" && /the producer broke/.test((error as GrpcError).rawMessage));
      await handlerDone;
      assert.equal(codeOf(serverSaw), "CANCELLED", "the server saw the call cancelled by the client");
    });

    test("an abort signal cancels a bidi call", async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *pipe(requests: AsyncIterable<Chunk>) {
            for await (const chunk of requests) yield chunk;
          },
        }),
      });
      const controller = new AbortController();
      const requests = async function* () {
        yield { index: 0, payload: new Uint8Array(1) };
        await sleep(10_000); // never sends more: only the abort can end this call
      };
      setTimeout(() => controller.abort(), 100);
      await assert.rejects(async () => {
        for await (const _ of running!.client.bidiStream(methods.pipe, requests(), { signal: controller.signal })) { /* drain */ }
      }, (error) => codeOf(error) === "CANCELLED");
    });

    test("shutdown waits for a stream, then force-closes it UNAVAILABLE after the grace period", async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(StreamTestService, {
          async *count(_request: CountRequest, ctx: CallContext) {
            yield { index: 0, payload: new Uint8Array(0) };
            await waitForAbort(ctx);
          },
        }),
      });
      const iterator = running.client.serverStream(methods.count, { count: 1 })[Symbol.asyncIterator]();
      assert.equal((await iterator.next()).done, false);
      const started = Date.now();
      const shutdown = running.server.shutdown(200);
      await assert.rejects(iterator.next(), (error) => codeOf(error) === "UNAVAILABLE");
      await shutdown;
      assert.ok(Date.now() - started >= 150, "the stream had its grace period");
    });
  });
}
