// Transparent retry (gRPC A6) of streaming calls, on both client engines: a client-streaming or bidi call, or a
// server-streaming call made through interceptors, whose stream the server never processed (RST_STREAM
// REFUSED_STREAM before any response headers, or above a GOAWAY's last-stream-id) is sent again; a stream the server
// answered is not. Without a service config a call keeps only its first request (the hot path buffers nothing
// more); under a retryPolicy it keeps every request and the resent stream replays them all.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../../src/client/client.js";
import type { ClientInterceptor } from "../../../src/client/interceptors.js";
import { MAX_TRANSPARENT_RETRIES } from "../../../src/client/retry/client-retry.js";
import { Code } from "../../../src/errors/codes.js";
import { GrpcError } from "../../../src/errors/grpc-error.js";
import { ENGINES } from "../../support/engines.js";
import { StreamTestService } from "../../support/stream-test-service.js";
import { type Answer, scriptedServer } from "../../retry/support/scripted-server.js";

const PATH = "/test.Echo/Echo";

/** A policy that never retries these scripts' outcomes: what happens below is transparent retry alone. */
const BUFFERING = { methodConfig: [{ name: [{ service: "test.Echo" }], retryPolicy: { maxAttempts: 2, initialBackoff: "0.001s", maxBackoff: "0.001s", backoffMultiplier: 1, retryableStatusCodes: ["RESOURCE_EXHAUSTED"] } }] };

async function setup(
  engine: (typeof ENGINES)[number], script: (index: number) => Answer, t: { after(fn: () => Promise<void>): void },
  interceptors: ClientInterceptor[] = [], serviceConfig?: Record<string, unknown>,
) {
  const server = await scriptedServer(script);
  const client = new GrpcClient(server.url, { engine: engine.client, interceptors, ...(serviceConfig !== undefined ? { serviceConfig } : {}) });
  t.after(async () => {
    await client.close(true);
    await server.close();
  });
  return { server, client };
}

async function* raw(...messages: number[][]) {
  for (const message of messages) yield new Uint8Array(message);
}

async function collect(stream: AsyncIterable<Uint8Array>): Promise<number[][]> {
  const out: number[][] = [];
  for await (const message of stream) out.push([...message]);
  return out;
}

const isUnavailable = (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE;
const refuseFirst = (i: number): Answer => (i === 0 ? { kind: "refuse" } : { kind: "echo" });

for (const engine of ENGINES) {
  test(`${engine.name}: without a service config, a refused bidi stream that had sent one request is sent again`, async (t) => {
    const { server, client } = await setup(engine, refuseFirst, t);
    assert.deepEqual(await collect(client.streamRaw(PATH, raw([1, 2]), { timeoutMs: 5000 })), [[1, 2]]);
    assert.equal(server.streams.length, 2);
    assert.equal(server.streams[1]?.bytes, 5 + 2);
    assert.deepEqual(client.retryStats().transparentRetries, 1);
    assert.equal(client.retryStats().retries, 0, "no service config: transparent retries only");
  });

  test(`${engine.name}: under a retryPolicy, a refused bidi stream is sent again with all its requests`, async (t) => {
    const { server, client } = await setup(engine, refuseFirst, t, [], BUFFERING);
    assert.deepEqual(await collect(client.streamRaw(PATH, raw([1], [2, 2], [3, 3, 3]), { timeoutMs: 5000 })), [[1], [2, 2], [3, 3, 3]]);
    assert.equal(server.streams.length, 2);
    assert.equal(server.streams[1]?.bytes, 3 * 5 + 6, "the second stream carried every request frame");
    assert.deepEqual(client.retryStats().transparentRetries, 1);
    assert.equal(client.retryStats().retries, 0, "the policy's retries are not used");
  });

  test(`${engine.name}: a refused client-streaming call is sent again`, async (t) => {
    const { server, client } = await setup(engine, refuseFirst, t);
    // The scripted server echoes the request bytes: Chunk{index: 7} reads back as Total{count: 7}.
    async function* one() {
      yield { index: 7, payload: new Uint8Array() };
    }
    const total = await client.clientStream(StreamTestService.method.sum, one(), { timeoutMs: 5000 });
    assert.equal(total.count, 7);
    assert.equal(server.streams.length, 2);
    assert.equal(client.retryStats().transparentRetries, 1);
  });

  test(`${engine.name}: a refused server-streaming call made through an interceptor is sent again`, async (t) => {
    let runs = 0;
    const count: ClientInterceptor = (next) => (request) => {
      runs++;
      return next(request);
    };
    const { server, client } = await setup(engine, refuseFirst, t, [count]);
    // CountRequest{count: 5} reads back as Chunk{index: 5}.
    const replies = [];
    for await (const reply of client.serverStream(StreamTestService.method.count, { count: 5 }, { timeoutMs: 5000 })) replies.push(reply.index);
    assert.deepEqual(replies, [5]);
    assert.equal(server.streams.length, 2);
    assert.equal(runs, 1, "one interceptor run for the call and its resent stream");
    assert.equal(client.retryStats().transparentRetries, 1);
  });

  test(`${engine.name}: a bidi stream above the GOAWAY last-stream-id is sent again on another connection`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 1 ? { kind: "goaway" } : { kind: "echo", delayMs: i === 0 ? 100 : 0 }), t, [], BUFFERING);
    const first = collect(client.streamRaw(PATH, raw([9]), { timeoutMs: 5000 }));
    await server.arrivals(1);
    assert.deepEqual(await collect(client.streamRaw(PATH, raw([1], [2]), { timeoutMs: 5000 })), [[1], [2]]);
    assert.deepEqual(await first, [[9]], "the processed stream finished on the old connection");
    assert.deepEqual(server.streams.map((s) => s.session), [0, 0, 1], "the retry went on a new connection");
    assert.equal(client.retryStats().transparentRetries, 1);
  });

  test(`${engine.name}: a server that keeps refusing a bidi stream gets ${MAX_TRANSPARENT_RETRIES} transparent retries, then UNAVAILABLE`, async (t) => {
    const { server, client } = await setup(engine, () => ({ kind: "refuse" }), t);
    await assert.rejects(collect(client.streamRaw(PATH, raw([1]), { timeoutMs: 5000 })), isUnavailable);
    assert.equal(server.streams.length, 1 + MAX_TRANSPARENT_RETRIES);
    assert.equal(client.retryStats().transparentRetries, MAX_TRANSPARENT_RETRIES);
  });

  test(`${engine.name}: REFUSED_STREAM after response headers is not retried (the server may have processed the stream)`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "refuse-after-headers" } : { kind: "echo" }), t);
    await assert.rejects(collect(client.streamRaw(PATH, raw([1]), { timeoutMs: 5000 })), isUnavailable);
    assert.equal(server.streams.length, 1);
    assert.equal(client.retryStats().transparentRetries, 0);
  });
}
