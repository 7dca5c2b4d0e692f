// Through GrpcClient (its connector wrapped by the session tracker): calls beyond the server's stream limit wait in
// the pool and start, in turn, as earlier streams close. A lost onStreamClosed event would leave them waiting for
// ever (gRPC's concurrent_large_unary hung so against peers that cap streams).
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { countingServer } from "./support/pool-harness.js";

for (const engine of ENGINES) {
  test(`${engine.name}: GrpcClient calls above the stream limit start as earlier streams close`, async (t) => {
    const server = await countingServer(engine, { maxConcurrentStreams: 2 });
    const client = new GrpcClient(server.url, { engine: engine.client, connections: 1, maxConnections: 1 });
    t.after(async () => {
      await client.close(true);
      await server.server.shutdown(100);
    });
    assert.equal(await client.unary(EchoService.method.echo, { payload: Buffer.from("warm-up") }).then((reply) => reply.payload.length), 7);
    const texts = Array.from({ length: 20 }, (_, i) => `call ${i}`);
    const replies = await Promise.all(texts.map((text) =>
      client.unary(EchoService.method.echo, { payload: Buffer.from(text) }, { timeoutMs: 10_000 }).then((reply) => Buffer.from(reply.payload).toString())));
    assert.deepEqual(replies, texts);
    assert.equal(server.calls, 21);
  });
}
