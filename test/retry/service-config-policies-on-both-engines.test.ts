// A service config's retryPolicy and hedgingPolicy on real calls through GrpcClient, on both client engines,
// against a scripted server: retried statuses, grpc-previous-rpc-attempts, pushback, commit on response headers,
// hedging, the method's timeout and message limit, and what interceptors and retryStats() see. Backoffs are
// 1 ms (the waits themselves are checked with fake timers in attempt-loop-with-fake-timers.test.ts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import type { ClientInterceptor } from "../../src/client/interceptors.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { ENGINES } from "../support/engines.js";
import { type Answer, scriptedServer } from "./support/scripted-server.js";

const PATH = "/test.Echo/Echo";
const REQUEST = new Uint8Array([1, 2, 3]);
const RETRY = { maxAttempts: 3, initialBackoff: "0.001s", maxBackoff: "0.001s", backoffMultiplier: 1, retryableStatusCodes: ["UNAVAILABLE"] };

function config(methodConfig: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { methodConfig: [{ name: [{ service: "test.Echo" }], ...methodConfig }], ...extra };
}

async function setup(
  engine: (typeof ENGINES)[number], script: (index: number) => Answer, serviceConfig: Record<string, unknown>,
  t: { after(fn: () => Promise<void>): void }, interceptors: ClientInterceptor[] = [],
) {
  const server = await scriptedServer(script);
  const client = new GrpcClient(server.url, { engine: engine.client, serviceConfig, interceptors });
  t.after(async () => {
    await client.close(true);
    await server.close();
  });
  return { server, client };
}

const isCode = (code: Code) => (error: unknown) => error instanceof GrpcError && error.code === code;
const UNAVAILABLE: Answer = { kind: "status", code: Code.UNAVAILABLE };

for (const engine of ENGINES) {
  test(`${engine.name}: retryPolicy retries UNAVAILABLE with grpc-previous-rpc-attempts, and the call succeeds`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i < 2 ? UNAVAILABLE : { kind: "echo" }), config({ retryPolicy: RETRY }), t);
    assert.deepEqual([...await client.callRaw(PATH, REQUEST, { timeoutMs: 5000 })], [...REQUEST]);
    assert.deepEqual(server.streams.map((s) => s.headers["grpc-previous-rpc-attempts"]), [undefined, "1", "2"]);
    const stats = client.retryStats();
    assert.deepEqual([stats.policyCalls, stats.attempts, stats.retries], [1, 3, 2]);
  });

  test(`${engine.name}: retryPolicy gives up after maxAttempts with the last status; other codes are not retried`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i < 3 ? UNAVAILABLE : { kind: "status", code: Code.NOT_FOUND }), config({ retryPolicy: RETRY }), t);
    await assert.rejects(client.callRaw(PATH, REQUEST), isCode(Code.UNAVAILABLE));
    assert.equal(server.streams.length, 3);
    await assert.rejects(client.callRaw(PATH, REQUEST), isCode(Code.NOT_FOUND));
    assert.equal(server.streams.length, 4);
  });

  test(`${engine.name}: a status after response headers commits the call (not retried); pushback -1 stops retries`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0
      ? { kind: "status", code: Code.UNAVAILABLE, afterHeaders: true }
      : { kind: "status", code: Code.UNAVAILABLE, trailers: { "grpc-retry-pushback-ms": "-1" } }), config({ retryPolicy: RETRY }), t);
    await assert.rejects(client.callRaw(PATH, REQUEST), isCode(Code.UNAVAILABLE));
    assert.equal(server.streams.length, 1, "committed");
    await assert.rejects(client.callRaw(PATH, REQUEST), isCode(Code.UNAVAILABLE));
    assert.equal(server.streams.length, 2, "pushback said stop");
    assert.equal(client.retryStats().pushbackStops, 1);
  });

  test(`${engine.name}: hedgingPolicy sends a second attempt after hedgingDelay and the faster answer wins`, async (t) => {
    const hedging = { maxAttempts: 2, hedgingDelay: "0.02s", nonFatalStatusCodes: ["UNAVAILABLE"] };
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "hold" } : { kind: "echo" }), config({ hedgingPolicy: hedging }), t);
    assert.deepEqual([...await client.callRaw(PATH, REQUEST, { timeoutMs: 5000 })], [...REQUEST]);
    assert.equal(server.streams.length, 2);
    assert.equal(server.streams[1]?.headers["grpc-previous-rpc-attempts"], "1");
    assert.deepEqual([client.retryStats().attempts, client.retryStats().hedges], [2, 1]);
  });

  test(`${engine.name}: the method config's timeout and maxRequestMessageBytes apply`, async (t) => {
    const { server, client } = await setup(engine, () => ({ kind: "hold" }), config({ timeout: "0.05s", maxRequestMessageBytes: 2 }), t);
    await assert.rejects(client.callRaw(PATH, REQUEST), isCode(Code.RESOURCE_EXHAUSTED));
    assert.equal(server.streams.length, 0, "too large: never sent");
    await assert.rejects(client.callRaw(PATH, new Uint8Array([1])), isCode(Code.DEADLINE_EXCEEDED));
    assert.equal(server.streams[0]?.headers["grpc-timeout"] !== undefined, true, "the config's timeout goes out as grpc-timeout");
  });

  test(`${engine.name}: interceptors run once per call and see which attempt answered`, async (t) => {
    let runs = 0;
    let attempts: number | undefined;
    const seeAttempts: ClientInterceptor = (next) => async (request) => {
      runs++;
      const response = await next(request);
      if (!response.stream) attempts = response.attempts;
      return response;
    };
    const { client } = await setup(engine, (i) => (i === 0 ? { kind: "refuse" } : i === 1 ? UNAVAILABLE : { kind: "echo" }), config({ retryPolicy: RETRY }), t, [seeAttempts]);
    assert.deepEqual([...await client.callRaw(PATH, REQUEST, { timeoutMs: 5000 })], [...REQUEST]);
    assert.equal(runs, 1);
    assert.equal(attempts, 2, "attempt 1 (refused, sent again transparently, then UNAVAILABLE) and attempt 2");
    assert.equal(client.retryStats().transparentRetries, 1);
  });
}

for (const engine of ENGINES) {
  test(`${engine.name}: onHeader / onTrailer see only the attempt that decided the call`, async (t) => {
    const { client } = await setup(engine, (i) => (i === 0 ? { kind: "status", code: Code.UNAVAILABLE, trailers: { "x-attempt": "first" } } : { kind: "echo" }), config({ retryPolicy: RETRY }), t);
    const trailers: unknown[] = [];
    let headerCalls = 0;
    await client.callRaw(PATH, REQUEST, { timeoutMs: 5000, onHeader: () => { headerCalls++; }, onTrailer: (t) => trailers.push(t["x-attempt"]) });
    assert.equal(headerCalls, 1);
    assert.deepEqual(trailers, [undefined], "the retried attempt's trailers (x-attempt) are not reported");
  });

  test(`${engine.name}: metadata an interceptor adds goes out on every attempt`, async (t) => {
    const addToken: ClientInterceptor = (next) => (request) => {
      request.metadata["x-token"] = "secret";
      return next(request);
    };
    const { server, client } = await setup(engine, (i) => (i < 2 ? UNAVAILABLE : { kind: "echo" }), config({ retryPolicy: RETRY }), t, [addToken]);
    await client.callRaw(PATH, REQUEST, { timeoutMs: 5000 });
    assert.deepEqual(server.streams.map((s) => s.headers["x-token"]), ["secret", "secret", "secret"]);
  });
}

test("an invalid service config makes the constructor throw a TypeError naming the field", () => {
  assert.throws(() => new GrpcClient("tcp://127.0.0.1:1", { serviceConfig: config({ retryPolicy: { ...RETRY, maxAttempts: 0 } }) }), /retryPolicy\.maxAttempts/);
});
