// The rest of A6 on the three streaming kinds, on both client engines, against a scripted server: hedging sends
// another attempt after hedgingDelay, replaying the requests, and the first to answer cancels the others; response
// headers commit a client-streaming call; a request stream that outgrows the per-call retry buffer commits the call
// (a server-streaming request that does not fit goes out once); grpc-retry-pushback-ms replaces the backoff (checked
// with mocked timers) or, negative, stops the retries.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { constants } from "node:http2";
import { GrpcClient } from "../../../src/client/client.js";
import { DEFAULT_PER_RPC_BUFFER_BYTES } from "../../../src/client/retry/buffer-budget.js";
import { Code } from "../../../src/errors/codes.js";
import { GrpcError } from "../../../src/errors/grpc-error.js";
import { ENGINES } from "../../support/engines.js";
import { StreamTestService } from "../../support/stream-test-service.js";
import { type Answer, scriptedServer } from "../../retry/support/scripted-server.js";

const PATH = "/test.Echo/Echo";
const HEDGING = { maxAttempts: 2, hedgingDelay: "0.03s", nonFatalStatusCodes: ["UNAVAILABLE"] };
const SLOW_RETRY = { maxAttempts: 3, initialBackoff: "10000s", maxBackoff: "10000s", backoffMultiplier: 1, retryableStatusCodes: ["UNAVAILABLE"] };
const FAST_RETRY = { ...SLOW_RETRY, initialBackoff: "0.001s", maxBackoff: "0.001s" };

function config(policy: Record<string, unknown>) {
  return { methodConfig: [{ name: [{ service: "test.Echo" }, { service: "fastgrpc.test.v1.StreamTestService" }], ...policy }] };
}

/** A typed client-streaming call on the scripted server, which echoes the request: Chunk{index} reads back as Total{count}. */
function sum(client: GrpcClient, ...indexes: number[]): Promise<number> {
  async function* chunks() {
    for (const index of indexes) yield { index, payload: new Uint8Array() };
  }
  return client.clientStream(StreamTestService.method.sum, chunks(), { timeoutMs: 5000 }).then((total) => total.count);
}

async function setup(engine: (typeof ENGINES)[number], script: (index: number) => Answer, serviceConfig: Record<string, unknown>, t: { after(fn: () => Promise<void>): void }) {
  const server = await scriptedServer(script);
  const client = new GrpcClient(server.url, { engine: engine.client, serviceConfig });
  t.after(async () => {
    await client.close(true);
    await server.close();
  });
  return { server, client };
}

async function* raw(...messages: Uint8Array[]) {
  for (const message of messages) yield message;
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const message of stream) out.push([...message]);
  return out;
}

const isUnavailable = (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE;
const UNAVAILABLE_AT_END: Answer = { kind: "status", code: Code.UNAVAILABLE, atRequestEnd: true };

/** Lets sockets and promise callbacks run (setImmediate is not mocked). */
async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

for (const engine of ENGINES) {
  test(`${engine.name}: hedging a bidi call: the second attempt replays the requests, answers first and the first is cancelled`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "hold" } : { kind: "echo" }), config({ hedgingPolicy: HEDGING }), t);
    assert.deepEqual(await collect(client.streamRaw(PATH, raw(new Uint8Array([1]), new Uint8Array([2])), { timeoutMs: 5000 })), [[1], [2]]);
    assert.equal(server.streams.length, 2);
    assert.equal(server.streams[1]?.headers["grpc-previous-rpc-attempts"], "1");
    await settle();
    assert.equal(server.streams[0]?.resetCode, constants.NGHTTP2_CANCEL, "the losing attempt got RST_STREAM(CANCEL)");
    assert.deepEqual([client.retryStats().attempts, client.retryStats().hedges], [2, 1]);
  });

  test(`${engine.name}: hedging a server-streaming call: the first attempt to answer wins`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "hold" } : { kind: "echo" }), config({ hedgingPolicy: HEDGING }), t);
    assert.deepEqual(await collect(client.streamRaw(PATH, new Uint8Array([4, 5]), { timeoutMs: 5000 })), [[4, 5]]);
    assert.equal(server.streams.length, 2);
    await settle();
    assert.equal(server.streams[0]?.resetCode, constants.NGHTTP2_CANCEL);
  });

  test(`${engine.name}: hedging a client-streaming call: the second attempt replays the requests and wins`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "hold" } : { kind: "echo" }), config({ hedgingPolicy: HEDGING }), t);
    assert.equal(await sum(client, 9), 9);
    assert.equal(server.streams.length, 2);
    await settle();
    assert.equal(server.streams[0]?.resetCode, constants.NGHTTP2_CANCEL);
  });

  test(`${engine.name}: a client-streaming call that got response headers is committed: its UNAVAILABLE is not retried`, async (t) => {
    const { server, client } = await setup(engine, () => ({ kind: "status", code: Code.UNAVAILABLE, afterHeaders: true }), config({ retryPolicy: FAST_RETRY }), t);
    await assert.rejects(sum(client, 1, 2), isUnavailable);
    assert.equal(server.streams.length, 1);
    assert.equal(client.retryStats().retries, 0);
  });

  test(`${engine.name}: a server-streaming request larger than the per-call retry buffer goes out once`, async (t) => {
    const { server, client } = await setup(engine, () => UNAVAILABLE_AT_END, config({ retryPolicy: FAST_RETRY }), t);
    await assert.rejects(collect(client.streamRaw(PATH, new Uint8Array(DEFAULT_PER_RPC_BUFFER_BYTES), { timeoutMs: 10_000 })), isUnavailable);
    assert.equal(server.streams.length, 1);
    assert.equal(server.streams[0]?.bytes, DEFAULT_PER_RPC_BUFFER_BYTES + 5);
    assert.equal(client.retryStats().overBufferLimit, 1);
    await assert.rejects(collect(client.streamRaw(PATH, new Uint8Array(10), { timeoutMs: 5000 })), isUnavailable);
    assert.equal(server.streams.length, 1 + 3, "a small one is retried up to maxAttempts");
  });

  test(`${engine.name}: requests beyond the per-call retry buffer commit the call: its UNAVAILABLE is not retried`, async (t) => {
    const { server, client } = await setup(engine, () => UNAVAILABLE_AT_END, config({ retryPolicy: FAST_RETRY }), t);
    // Small requests fit: the call is retried up to maxAttempts (the control case).
    await assert.rejects(collect(client.streamRaw(PATH, raw(new Uint8Array(10), new Uint8Array(10)), { timeoutMs: 5000 })), isUnavailable);
    assert.equal(server.streams.length, 3);
    const half = new Uint8Array(DEFAULT_PER_RPC_BUFFER_BYTES / 2 + 1);
    await assert.rejects(collect(client.streamRaw(PATH, raw(half, half), { timeoutMs: 10_000 })), isUnavailable);
    assert.equal(server.streams.length, 4, "committed when the second request did not fit: one attempt");
    assert.equal(server.streams[3]?.bytes, 2 * (half.length + 5), "the committed attempt still got every request");
    assert.equal(client.retryStats().overBufferLimit, 1);
  });

  test(`${engine.name}: a negative grpc-retry-pushback-ms stops the retries of each streaming kind`, async (t) => {
    const { server, client } = await setup(engine, () => ({ ...UNAVAILABLE_AT_END, trailers: { "grpc-retry-pushback-ms": "-1" } }), config({ retryPolicy: FAST_RETRY }), t);
    await assert.rejects(collect(client.streamRaw(PATH, raw(new Uint8Array([1])), { timeoutMs: 5000 })), isUnavailable);
    await assert.rejects(collect(client.streamRaw(PATH, new Uint8Array([1]), { timeoutMs: 5000 })), isUnavailable);
    await assert.rejects(sum(client, 1), isUnavailable);
    assert.equal(server.streams.length, 3, "bidi, server-streaming, client-streaming: one attempt each");
    assert.equal(client.retryStats().pushbackStops, 3);
  });

  test(`${engine.name}: onHeader / onTrailer of a retried bidi call see only the attempt that decided it`, async (t) => {
    const { client } = await setup(engine, (i) => ({ kind: "status", code: Code.UNAVAILABLE, trailers: { "x-attempt": String(i) } }), config({ retryPolicy: FAST_RETRY }), t);
    const headers: unknown[] = [];
    const trailers: unknown[] = [];
    const options = { timeoutMs: 5000, onHeader: (h: Record<string, unknown>) => headers.push(h), onTrailer: (m: Record<string, unknown>) => trailers.push(m["x-attempt"]) };
    await assert.rejects(collect(client.streamRaw(PATH, raw(new Uint8Array([1])), options)), isUnavailable);
    assert.deepEqual(headers, [{}], "a trailers-only answer: empty response headers, once");
    assert.deepEqual(trailers, ["2"], "the last attempt's trailers, once");
  });

  test(`${engine.name}: grpc-retry-pushback-ms replaces the backoff of a bidi call's retry (mocked timers)`, async (t: TestContext) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { ...UNAVAILABLE_AT_END, trailers: { "grpc-retry-pushback-ms": "500" } } : { kind: "echo" }), config({ retryPolicy: SLOW_RETRY }), t);
    t.mock.timers.enable({ apis: ["setTimeout"] });
    const replies = collect(client.streamRaw(PATH, raw(new Uint8Array([6]))));
    await server.arrivals(1);
    await settle(200); // the server (in this process) answers at once: many loop turns for the client to read it
    t.mock.timers.tick(499);
    await settle();
    assert.equal(server.streams.length, 1, "not before the pushback (the policy's own backoff is up to 10000 s)");
    t.mock.timers.tick(1);
    await server.arrivals(2);
    assert.deepEqual(await replies, [[6]]);
    assert.equal(client.retryStats().retries, 1);
  });
}
