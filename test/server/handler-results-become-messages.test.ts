/**
 * What a unary handler returns becomes the response message: a full message, a plain object with fields left out
 * (their defaults), or - from plain JavaScript - nothing at all (the empty message), never an encoding failure.
 * Runs on every engine.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

/** Echo whose return value the payload picks: "nothing", "null", "empty", "extra", else the echo. */
const shapedEcho = {
  echo(request: { payload: Uint8Array }) {
    switch (Buffer.from(request.payload).toString()) {
      case "nothing":
        return undefined as unknown as { payload: Uint8Array };
      case "null":
        return null as unknown as { payload: Uint8Array };
      case "empty":
        return {};
      case "extra":
        return { payload: Buffer.from("kept"), notAField: 42 } as { payload: Uint8Array };
      default:
        return { payload: request.payload };
    }
  },
};

for (const engine of ENGINES) {
  describe(`handler results become messages (engine ${engine.name})`, () => {
    let running: Running;
    const call = (text: string) => running.client.unary(EchoService.method.echo, { payload: Buffer.from(text) });

    before(async () => {
      running = await startEcho(engine, { setup: (server) => server.addService(EchoService, shapedEcho) });
    });
    after(() => running.stop());

    test("a plain object with the field set is encoded as it is", async () => {
      assert.equal(Buffer.from((await call("hello")).payload).toString(), "hello");
    });

    test("undefined, null and {} answer the empty message with OK", async () => {
      for (const text of ["nothing", "null", "empty"]) assert.equal((await call(text)).payload.length, 0, text);
    });

    test("properties that are not fields of the message are ignored", async () => {
      assert.equal(Buffer.from((await call("extra")).payload).toString(), "kept");
    });

  });
}
