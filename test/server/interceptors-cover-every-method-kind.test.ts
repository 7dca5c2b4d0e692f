/**
 * Every method kind goes through both interceptor chains with the right shape: server-streaming, client-streaming
 * and bidi calls made with createClient, client and server interceptors installed, each recording what it saw
 * (kind, stream flag) and counting the messages by wrapping the streams. Every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { createClient } from "../../src/client/create-client.js";
import type { ClientInterceptor } from "../../src/client/interceptors.js";
import type { ServerInterceptor } from "../../src/server/interceptors.js";
import { GrpcServer } from "../../src/server/server.js";
import { silentLogger } from "../../src/log/logger.js";
import { ENGINES } from "../support/engines.js";
import { StreamTestService } from "../support/stream-test-service.js";

async function* counted<T>(messages: AsyncIterable<T>, count: { n: number }): AsyncGenerator<T> {
  for await (const message of messages) {
    count.n++;
    yield message;
  }
}

for (const engine of ENGINES) {
  describe(`interceptors on every method kind (engine ${engine.name})`, () => {
    let server: GrpcServer;
    let client: GrpcClient;
    const seen: string[] = [];
    const counts = { serverRequests: { n: 0 }, serverResponses: { n: 0 }, clientRequests: { n: 0 }, clientResponses: { n: 0 } };

    const serverSide: ServerInterceptor = (next) => async (request) => {
      seen.push(`server ${request.method.name} ${request.method.kind} requests=${request.stream ? "stream" : "one"}`);
      if (request.stream) request.messages = counted(request.messages, counts.serverRequests);
      const response = await next(request);
      seen.push(`server ${request.method.name} responses=${response.stream ? "stream" : "one"}`);
      return response.stream ? { stream: true, messages: counted(response.messages, counts.serverResponses) } : response;
    };
    const clientSide: ClientInterceptor = (next) => async (request) => {
      seen.push(`client ${request.method.name} ${request.method.kind}`);
      if (request.stream) request.messages = counted(request.messages, counts.clientRequests);
      const response = await next(request);
      return response.stream ? { ...response, messages: counted(response.messages, counts.clientResponses) } : response;
    };

    before(async () => {
      server = new GrpcServer({ log: silentLogger(), engine: engine.server, interceptors: [serverSide] });
      server.addService(StreamTestService, {
        async *count(request) {
          for (let index = 0; index < request.count; index++) yield { index, payload: new Uint8Array(request.payloadBytes) };
        },
        async sum(requests) {
          let count = 0;
          let bytes = 0n;
          for await (const chunk of requests) {
            count++;
            bytes += BigInt(chunk.payload.length);
          }
          return { count, bytes };
        },
        async *pipe(requests) {
          for await (const chunk of requests) yield chunk;
        },
      });
      const listener = await server.listen("tcp://127.0.0.1:0");
      client = new GrpcClient(listener.url, { engine: engine.client, interceptors: [clientSide] });
    });
    after(async () => {
      await client.close(true);
      await server.shutdown(500);
    });

    const chunks = async function* (n: number): AsyncGenerator<{ index: number; payload: Uint8Array }> {
      for (let index = 0; index < n; index++) yield { index, payload: new Uint8Array(10) };
    };

    test("server-streaming: one request in, a stream out", async () => {
      seen.length = 0;
      const typed = createClient(StreamTestService, client);
      const indexes: number[] = [];
      for await (const chunk of typed.count({ count: 3, payloadBytes: 1 })) indexes.push(chunk.index);
      assert.deepEqual(indexes, [0, 1, 2]);
      assert.deepEqual(seen, [
        "client Count server_streaming",
        "server Count server_streaming requests=one",
        "server Count responses=stream",
      ]);
    });

    test("client-streaming: a stream in, one response out", async () => {
      seen.length = 0;
      counts.serverRequests.n = 0;
      const total = await createClient(StreamTestService, client).sum(chunks(4));
      assert.equal(total.count, 4);
      assert.equal(total.bytes, 40n);
      assert.equal(counts.serverRequests.n, 4, "the server interceptor saw every request");
      assert.deepEqual(seen, [
        "client Sum client_streaming",
        "server Sum client_streaming requests=stream",
        "server Sum responses=one",
      ]);
    });

    test("bidi: streams both ways, counted on both sides", async () => {
      seen.length = 0;
      for (const count of Object.values(counts)) count.n = 0;
      const got: number[] = [];
      for await (const chunk of createClient(StreamTestService, client).pipe(chunks(5))) got.push(chunk.index);
      assert.deepEqual(got, [0, 1, 2, 3, 4]);
      assert.deepEqual(
        [counts.clientRequests.n, counts.serverRequests.n, counts.serverResponses.n, counts.clientResponses.n],
        [5, 5, 5, 5],
      );
    });
  });
}
