// Through GrpcClient: a call's deadline and abort signal reach the pool while the call waits for a stream, so the
// call fails with its status and leaves the pool's queue at once. Both engines, real timers (the deadline is the
// call's own).
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import type { ConnectionPool } from "../../src/client/pool.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { countingServer } from "./support/pool-harness.js";

/** The client's pool, for its diagnostics (a test looking inside, not an API). */
function poolOf(client: GrpcClient): ConnectionPool {
  return (client as unknown as { pool: ConnectionPool }).pool;
}

for (const engine of ENGINES) {
  test(`${engine.name}: GrpcClient calls waiting for a stream leave the queue on their deadline or abort`, async (t) => {
    const server = await countingServer(engine, { maxConcurrentStreams: 1, hold: (text) => text === "held" });
    const client = new GrpcClient(server.url, { engine: engine.client, connections: 1, maxConnections: 1 });
    t.after(async () => {
      await client.close(true);
      await server.server.shutdown(100);
    });
    const echo = (text: string, options?: { timeoutMs?: number; signal?: AbortSignal }) =>
      client.unary(EchoService.method.echo, { payload: Buffer.from(text) }, options).then((reply) => Buffer.from(reply.payload).toString());
    assert.equal(await echo("warm-up"), "warm-up");
    const held = echo("held");
    await server.arrivals(2);

    const late = echo("late", { timeoutMs: 50 });
    const controller = new AbortController();
    const aborted = echo("aborted", { signal: controller.signal });
    assert.equal(poolOf(client).waitingCalls(), 2);
    controller.abort();
    await assert.rejects(aborted, (error: unknown) => error instanceof GrpcError && error.code === Code.CANCELLED);
    await assert.rejects(late, (error: unknown) => error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
    // The pool's own deadline timer was started just after the call's (same duration), so it may fire a timer tick later.
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(poolOf(client).waitingCalls(), 0, "neither call still counts as demand");

    server.release();
    assert.equal(await held, "held");
    assert.equal(await echo("after"), "after");
    assert.equal(server.calls, 3, "the abandoned calls never reached the server");
  });
}
