// Transparent retry (gRPC A6): a unary call whose stream the server never processed — refused with
// RST_STREAM(REFUSED_STREAM) before any response headers, or above a GOAWAY's last-stream-id — is sent again,
// without any service config, on both client engines. Anything the server may have processed is not.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { MAX_TRANSPARENT_RETRIES } from "../../src/client/retry/client-retry.js";
import { ENGINES } from "../support/engines.js";
import { type Answer, scriptedServer } from "./support/scripted-server.js";

const PATH = "/test.Echo/Echo";
const REQUEST = new Uint8Array([1, 2, 3]);

async function setup(engine: (typeof ENGINES)[number], script: (index: number) => Answer, t: { after(fn: () => Promise<void>): void }) {
  const server = await scriptedServer(script);
  const client = new GrpcClient(server.url, { engine: engine.client });
  t.after(async () => {
    await client.close(true);
    await server.close();
  });
  return { server, client };
}

for (const engine of ENGINES) {
  test(`${engine.name}: a stream refused with REFUSED_STREAM is sent again and the call succeeds`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "refuse" } : { kind: "echo" }), t);
    assert.deepEqual([...await client.callRaw(PATH, REQUEST, { timeoutMs: 5000 })], [...REQUEST]);
    assert.equal(server.streams.length, 2);
    assert.equal(client.retryStats().transparentRetries, 1);
    assert.equal(client.retryStats().retries, 0, "no service config: transparent retries only");
  });

  test(`${engine.name}: a stream above the GOAWAY last-stream-id is sent again on another connection`, async (t) => {
    // Stream 1 is in flight (answered a little later); stream 3 makes the server send GOAWAY(last-stream-id 1).
    const { server, client } = await setup(engine, (i) => (i === 1 ? { kind: "goaway" } : { kind: "echo", delayMs: i === 0 ? 100 : 0 }), t);
    const first = client.callRaw(PATH, new Uint8Array([9]), { timeoutMs: 5000 });
    await server.arrivals(1);
    assert.deepEqual([...await client.callRaw(PATH, REQUEST, { timeoutMs: 5000 })], [...REQUEST]);
    assert.deepEqual([...await first], [9], "the processed stream finished on the old connection");
    assert.equal(server.streams.length, 3);
    assert.deepEqual(server.streams.map((s) => s.session), [0, 0, 1], "the retry went on a new connection");
    assert.equal(client.retryStats().transparentRetries, 1);
  });

  test(`${engine.name}: a server that keeps refusing gets ${MAX_TRANSPARENT_RETRIES} transparent retries, then UNAVAILABLE`, async (t) => {
    const { server, client } = await setup(engine, () => ({ kind: "refuse" }), t);
    await assert.rejects(client.callRaw(PATH, REQUEST, { timeoutMs: 5000 }), (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
    assert.equal(server.streams.length, 1 + MAX_TRANSPARENT_RETRIES);
    assert.equal(client.retryStats().transparentRetries, MAX_TRANSPARENT_RETRIES);
  });

  test(`${engine.name}: REFUSED_STREAM after response headers is not retried (the server may have processed it)`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "refuse-after-headers" } : { kind: "echo" }), t);
    await assert.rejects(client.callRaw(PATH, REQUEST, { timeoutMs: 5000 }), (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
    assert.equal(server.streams.length, 1);
    assert.equal(client.retryStats().transparentRetries, 0);
  });

  test(`${engine.name}: a server-streaming call (one request, known up front) refused with REFUSED_STREAM is sent again`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "refuse" } : { kind: "echo" }), t);
    const replies: number[][] = [];
    for await (const reply of client.streamRaw(PATH, REQUEST, { timeoutMs: 5000 })) replies.push([...reply]);
    assert.deepEqual(replies, [[...REQUEST]]);
    assert.equal(server.streams.length, 2);
    assert.equal(client.retryStats().transparentRetries, 1);
  });

  test(`${engine.name}: a call streaming requests from an iterable is resent with its buffered requests`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "refuse" } : { kind: "echo" }), t);
    async function* requests() {
      yield REQUEST;
    }
    const replies: number[][] = [];
    for await (const reply of client.streamRaw(PATH, requests(), { timeoutMs: 5000 })) replies.push([...reply]);
    assert.deepEqual(replies, [[...REQUEST]]);
    assert.equal(server.streams.length, 2);
    assert.equal(client.retryStats().transparentRetries, 1);
  });

  test(`${engine.name}: an UNAVAILABLE status is not retried without a retry policy`, async (t) => {
    const { server, client } = await setup(engine, (i) => (i === 0 ? { kind: "status", code: Code.UNAVAILABLE } : { kind: "echo" }), t);
    await assert.rejects(client.callRaw(PATH, REQUEST, { timeoutMs: 5000 }), (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
    assert.equal(server.streams.length, 1);
  });
}
