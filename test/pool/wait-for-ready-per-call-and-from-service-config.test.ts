// waitForReady per call and per method (service config), through GrpcClient on both engines: with nothing
// listening a call fails fast with UNAVAILABLE; a wait-for-ready call waits, and succeeds once a server comes up
// before its deadline (or ends DEADLINE_EXCEEDED when none does).
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { silentLogger } from "../../src/log/logger.js";
import { GrpcServer } from "../../src/server/server.js";
import { EchoService, createEchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { freePort } from "./support/pool-harness.js";

const payload = Buffer.from("ready?");
const hasCode = (code: Code) => (error: unknown) => error instanceof GrpcError && error.code === code;

for (const engine of ENGINES) {
  test(`${engine.name}: fail fast by default, wait for ready per call or per method`, async (t) => {
    const port = await freePort();
    const url = `tcp://127.0.0.1:${port}`;
    const config = { methodConfig: [{ name: [{ service: "fastgrpc.echo.v1.EchoService" }], waitForReady: true }] };
    const plain = new GrpcClient(url, { engine: engine.client, backoff: { initialMs: 50, maxMs: 100 } });
    const configured = new GrpcClient(url, { engine: engine.client, backoff: { initialMs: 50, maxMs: 100 }, serviceConfig: config });
    const server = new GrpcServer({ log: silentLogger(), engine: engine.server });
    server.addService(EchoService, createEchoService(silentLogger()));
    t.after(async () => {
      await plain.close(true);
      await configured.close(true);
      await server.shutdown(100);
    });

    await assert.rejects(plain.unary(EchoService.method.echo, { payload }, { timeoutMs: 2000 }), hasCode(Code.UNAVAILABLE), "fails fast");
    await assert.rejects(plain.unary(EchoService.method.echo, { payload }, { timeoutMs: 300, waitForReady: true }), hasCode(Code.DEADLINE_EXCEEDED), "waits");
    await assert.rejects(configured.unary(EchoService.method.echo, { payload }, { timeoutMs: 300 }), hasCode(Code.DEADLINE_EXCEEDED), "the method config waits");
    await assert.rejects(configured.unary(EchoService.method.echo, { payload }, { timeoutMs: 2000, waitForReady: false }), hasCode(Code.UNAVAILABLE), "the call's option wins");

    const waiting = plain.unary(EchoService.method.echo, { payload }, { timeoutMs: 5000, waitForReady: true });
    const waitingConfigured = configured.unary(EchoService.method.echo, { payload }, { timeoutMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.listen(url);
    assert.deepEqual(Buffer.from((await waiting).payload), payload);
    assert.deepEqual(Buffer.from((await waitingConfigured).payload), payload);
  });
}
