/**
 * Unary requests of 4 KiB or more are framed by reference (framing.ts framedByReference): the 5-byte prefix and the
 * caller's bytes go to the socket as two parts. What the server receives must be exactly those bytes, on every
 * engine, for raw calls on a view into a larger buffer and for typed calls, across frame and window boundaries.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { EchoRequestSchema } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest();

/** Answers with the SHA-256 of what arrived, so a corrupted request cannot echo back looking right. */
const digestEcho = {
  echo(request: { payload: Uint8Array }) {
    return { payload: sha(request.payload) };
  },
};

const SIZES = [4091, 4096, 16_384, 65_531, 65_536, 300_001, 1 << 20, (4 << 20) - 64];

for (const engine of ENGINES) {
  describe(`large requests sent by reference arrive intact (engine ${engine.name})`, () => {
    let running: Running;
    before(async () => {
      running = await startEcho(engine, { setup: (server) => server.addService(EchoService, digestEcho) });
    });
    after(() => running.stop());

    test("raw calls whose message is a view at an odd offset of a larger buffer", async () => {
      for (const size of SIZES) {
        const payload = randomBytes(size);
        const encoded = toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload }));
        const backing = Buffer.alloc(encoded.length + 11);
        backing.set(encoded, 3);
        const reply = await running.client.callRaw("/fastgrpc.echo.v1.EchoService/Echo", backing.subarray(3, 3 + encoded.length));
        // EchoResponse { payload = 1 }: tag, length 32, then the digest.
        assert.deepEqual(Buffer.from(reply.subarray(2)), sha(payload), `size ${size}`);
      }
    });

    test("typed calls, several in flight at once on one connection", async () => {
      const payloads = SIZES.map((size) => randomBytes(size));
      const replies = await Promise.all(payloads.map((payload) => running.client.unary(EchoService.method.echo, { payload })));
      replies.forEach((reply, i) => assert.deepEqual(Buffer.from(reply.payload), sha(payloads[i] as Buffer), `size ${SIZES[i]}`));
    });
  });
}
