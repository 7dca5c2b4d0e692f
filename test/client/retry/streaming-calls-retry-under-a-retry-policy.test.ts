// retryPolicy on the three streaming kinds (server-streaming, client-streaming, bidi) against a real fastgrpc
// server whose handlers fail the first N attempts with UNAVAILABLE, on both engines: the retry replays every
// request the caller sent (the server sees them all), carries grpc-previous-rpc-attempts, gives up after
// maxAttempts with the last status, and never retries once the call committed (a response message came).
// Interceptors run once per call around all its attempts, and what they add goes out on every attempt.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../../src/client/client.js";
import type { ClientInterceptor } from "../../../src/client/interceptors.js";
import { Code } from "../../../src/errors/codes.js";
import { GrpcError } from "../../../src/errors/grpc-error.js";
import { GrpcServer } from "../../../src/server/server.js";
import type { CallContext } from "../../../src/server/service.js";
import { ENGINES } from "../../support/engines.js";
import { type Chunk, StreamTestService, chunkRequests } from "../../support/stream-test-service.js";

const RETRY = { maxAttempts: 3, initialBackoff: "0.001s", maxBackoff: "0.001s", backoffMultiplier: 1, retryableStatusCodes: ["UNAVAILABLE"] };
const serviceConfig = { methodConfig: [{ name: [{ service: "fastgrpc.test.v1.StreamTestService" }], retryPolicy: RETRY }] };

/** What the server saw of each attempt: the request count and the grpc-previous-rpc-attempts / x-token headers. */
interface Seen { requests: number; previous: unknown; token: unknown }

/**
 * Attempts numbered per method; `fail(n)` says whether attempt n fails (UNAVAILABLE, before any response),
 * `commitThenFail` makes every attempt send one response first and then fail.
 */
async function setup(engine: (typeof ENGINES)[number], t: { after(fn: () => Promise<void>): void }, fail: (attempt: number) => boolean, options: { commitThenFail?: boolean; interceptors?: ClientInterceptor[] } = {}) {
  const seen: Record<string, Seen[]> = { count: [], sum: [], pipe: [] };
  const note = (kind: string, ctx: CallContext, requests: number) => {
    const metadata = ctx.metadata();
    const list = seen[kind] ?? [];
    list.push({ requests, previous: metadata["grpc-previous-rpc-attempts"], token: metadata["x-token"] });
    return list.length - 1;
  };
  const unavailable = (attempt: number) => new GrpcError(Code.UNAVAILABLE, `attempt ${attempt} failed`);
  const server = new GrpcServer({ engine: engine.server }).addService(StreamTestService, {
    async *count(request, ctx) {
      const attempt = note("count", ctx, 1);
      if (options.commitThenFail) {
        yield { index: 0, payload: new Uint8Array() };
        throw unavailable(attempt);
      }
      if (fail(attempt)) throw unavailable(attempt);
      for (let index = 0; index < request.count; index++) yield { index, payload: new Uint8Array() };
    },
    async sum(requests, ctx) {
      let count = 0;
      for await (const _ of requests) count++;
      const attempt = note("sum", ctx, count);
      if (fail(attempt)) throw unavailable(attempt);
      return { count, bytes: 0n };
    },
    async *pipe(requests, ctx) {
      const received: Chunk[] = [];
      for await (const chunk of requests) received.push(chunk);
      const attempt = note("pipe", ctx, received.length);
      if (options.commitThenFail) {
        yield received[0] ?? { index: 0, payload: new Uint8Array() };
        throw unavailable(attempt);
      }
      if (fail(attempt)) throw unavailable(attempt);
      for (const chunk of received) yield chunk;
    },
    async unused() {
      return { count: 0, bytes: 0n };
    },
  });
  const listener = await server.listen("tcp://127.0.0.1:0");
  const client = new GrpcClient(listener.url, { engine: engine.client, serviceConfig, interceptors: options.interceptors ?? [] });
  t.after(async () => {
    await client.close(true);
    await server.shutdown(1000);
  });
  return { client, seen };
}

async function collect<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of stream) out.push(item);
  return out;
}

const isUnavailable = (message: RegExp) => (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE && message.test(error.message);

for (const engine of ENGINES) {
  test(`${engine.name}: each streaming kind is retried after UNAVAILABLE, replaying every request, and succeeds`, async (t) => {
    const { client, seen } = await setup(engine, t, (attempt) => attempt < 2);
    const counted = await collect(client.serverStream(StreamTestService.method.count, { count: 3 }, { timeoutMs: 10_000 }));
    assert.deepEqual(counted.map((c) => c.index), [0, 1, 2]);
    const total = await client.clientStream(StreamTestService.method.sum, chunkRequests(5, 1), { timeoutMs: 10_000 });
    assert.equal(total.count, 5);
    const piped = await collect(client.bidiStream(StreamTestService.method.pipe, chunkRequests(4, 1), { timeoutMs: 10_000 }));
    assert.deepEqual(piped.map((c) => c.index), [0, 1, 2, 3]);
    for (const [kind, requests] of [["count", 1], ["sum", 5], ["pipe", 4]] as const) {
      assert.deepEqual(seen[kind]?.map((s) => s.previous), [undefined, "1", "2"], `${kind}: grpc-previous-rpc-attempts`);
      assert.deepEqual(seen[kind]?.map((s) => s.requests), [requests, requests, requests], `${kind}: every attempt got every request`);
    }
    const stats = client.retryStats();
    assert.deepEqual([stats.policyCalls, stats.attempts, stats.retries], [3, 9, 6]);
  });

  test(`${engine.name}: each streaming kind gives up after maxAttempts with the last attempt's status`, async (t) => {
    const { client, seen } = await setup(engine, t, () => true);
    await assert.rejects(collect(client.serverStream(StreamTestService.method.count, { count: 3 })), isUnavailable(/attempt 2 failed/));
    await assert.rejects(client.clientStream(StreamTestService.method.sum, chunkRequests(2, 1)), isUnavailable(/attempt 2 failed/));
    await assert.rejects(collect(client.bidiStream(StreamTestService.method.pipe, chunkRequests(2, 1))), isUnavailable(/attempt 2 failed/));
    assert.deepEqual([seen.count?.length, seen.sum?.length, seen.pipe?.length], [3, 3, 3]);
    assert.equal(client.retryStats().retries, 6);
  });

  test(`${engine.name}: a server or bidi stream that got a response message is committed: its later UNAVAILABLE is not retried`, async (t) => {
    const { client, seen } = await setup(engine, t, () => false, { commitThenFail: true });
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const chunk of client.serverStream(StreamTestService.method.count, { count: 3 })) got.push(chunk.index);
    }, isUnavailable(/attempt 0 failed/));
    await assert.rejects(async () => {
      for await (const chunk of client.bidiStream(StreamTestService.method.pipe, chunkRequests(2, 1))) got.push(chunk.index);
    }, isUnavailable(/attempt 0 failed/));
    assert.deepEqual(got, [0, 0], "the message before the failure reached the caller, once");
    assert.deepEqual([seen.count?.length, seen.pipe?.length], [1, 1]);
    assert.equal(client.retryStats().retries, 0);
  });

  test(`${engine.name}: interceptors run once per streaming call; what they add goes out on every attempt`, async (t) => {
    let runs = 0;
    const addToken: ClientInterceptor = (next) => (request) => {
      runs++;
      request.metadata["x-token"] = "secret";
      return next(request);
    };
    const { client, seen } = await setup(engine, t, (attempt) => attempt < 1, { interceptors: [addToken] });
    assert.equal((await collect(client.serverStream(StreamTestService.method.count, { count: 2 }, { timeoutMs: 10_000 }))).length, 2);
    assert.equal((await client.clientStream(StreamTestService.method.sum, chunkRequests(3, 1), { timeoutMs: 10_000 })).count, 3);
    assert.equal((await collect(client.bidiStream(StreamTestService.method.pipe, chunkRequests(3, 1), { timeoutMs: 10_000 }))).length, 3);
    assert.equal(runs, 3);
    for (const kind of ["count", "sum", "pipe"]) assert.deepEqual(seen[kind]?.map((s) => s.token), ["secret", "secret"], kind);
    assert.equal(client.retryStats().retries, 3);
  });
}
