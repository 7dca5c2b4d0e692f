// A streaming call whose method has a service-config entry gets its timeout (the lower of the call's and the
// config's, sent as grpc-timeout) and its maxRequestMessageBytes (RESOURCE_EXHAUSTED, the message is not sent),
// with or without a retry policy, on both client engines.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../../src/client/client.js";
import { Code } from "../../../src/errors/codes.js";
import { GrpcError } from "../../../src/errors/grpc-error.js";
import { ENGINES } from "../../support/engines.js";
import { scriptedServer } from "../../retry/support/scripted-server.js";

const PATH = "/test.Echo/Echo";
const RETRY = { maxAttempts: 2, initialBackoff: "0.001s", maxBackoff: "0.001s", backoffMultiplier: 1, retryableStatusCodes: ["UNAVAILABLE"] };

async function* raw(...messages: Uint8Array[]) {
  for (const message of messages) yield message;
}

async function drain(stream: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of stream) { /* nothing */ }
}

const isCode = (code: Code) => (error: unknown) => error instanceof GrpcError && error.code === code;

for (const engine of ENGINES) {
  for (const policy of [{}, { retryPolicy: RETRY }]) {
    const label = "retryPolicy" in policy ? "with a retryPolicy" : "without a policy";
    test(`${engine.name}: ${label}, a bidi or server stream gets the config's timeout and request size limit`, async (t) => {
      const server = await scriptedServer(() => ({ kind: "hold" }));
      const serviceConfig = { methodConfig: [{ name: [{ service: "test.Echo" }], timeout: "0.05s", maxRequestMessageBytes: 2, ...policy }] };
      const client = new GrpcClient(server.url, { engine: engine.client, serviceConfig });
      t.after(async () => {
        await client.close(true);
        await server.close();
      });
      await assert.rejects(drain(client.streamRaw(PATH, raw(new Uint8Array(3)), { timeoutMs: 5000 })), isCode(Code.RESOURCE_EXHAUSTED));
      await assert.rejects(drain(client.streamRaw(PATH, new Uint8Array(3), { timeoutMs: 5000 })), isCode(Code.RESOURCE_EXHAUSTED));
      assert.equal(server.streams.every((s) => s.bytes === 0), true, "the oversized message never went out");
      await assert.rejects(drain(client.streamRaw(PATH, raw(new Uint8Array(1)), { timeoutMs: 5000 })), isCode(Code.DEADLINE_EXCEEDED));
      await assert.rejects(drain(client.streamRaw(PATH, new Uint8Array(1), { timeoutMs: 5000 })), isCode(Code.DEADLINE_EXCEEDED));
      const timeouts = server.streams.slice(-2).map((s) => s.headers["grpc-timeout"]);
      assert.equal(timeouts.every((value) => typeof value === "string" && /^\d+m$/.test(value) && Number.parseInt(value, 10) <= 50), true, `grpc-timeout ${String(timeouts)}`);
    });
  }
}
