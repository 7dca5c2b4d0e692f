/**
 * Response bytes fields of 4 KiB or more go to the socket by reference (flat-codec encodeFramedParts), split over
 * DATA frames and flow-control windows by the engine. What arrives must be exactly what the handler returned, for
 * unary and streamed responses, on every engine, including views into one shared buffer at odd offsets.
 */
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { after, before, describe, test } from "node:test";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

const sha = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** One backing buffer; every response is a view into it at an odd offset. */
const backing = randomBytes((4 << 20) + 1000);
const view = (size: number, offset: number) => backing.subarray(offset, offset + size);

const viewEcho = {
  echo(request: { payload: Uint8Array }) {
    const size = Buffer.from(request.payload).readUInt32BE(0);
    return { payload: view(size, 7) };
  },
  async *echoStream(requests: AsyncIterable<{ payload: Uint8Array }>) {
    let offset = 1;
    for await (const request of requests) {
      const size = Buffer.from(request.payload).readUInt32BE(0);
      yield { payload: view(size, offset) };
      offset += 3;
    }
  },
};

const sizeRequest = (size: number) => {
  const payload = Buffer.alloc(4);
  payload.writeUInt32BE(size);
  return { payload };
};

for (const engine of ENGINES) {
  describe(`large responses sent by reference arrive intact (engine ${engine.name})`, () => {
    let running: Running;

    before(async () => {
      running = await startEcho(engine, {
        setup: (server) => server.addService(EchoService, viewEcho),
      });
    });
    after(() => running.stop());

    test("unary responses from 4 KiB to 4 MiB - 1 KiB", async () => {
      for (const size of [4096, 4097, 16_384, 65_535, 65_536, 1 << 20, (4 << 20) - 1024]) {
        const reply = await running.client.unary(EchoService.method.echo, sizeRequest(size));
        assert.equal(reply.payload.length, size);
        assert.equal(sha(reply.payload), sha(view(size, 7)), `size ${size}`);
      }
    });

    test("a stream of large responses, each a different view, in order", async () => {
      const sizes = [5000, 70_000, 4096, 300_000, 16_384, 1 << 20];
      async function* requests() {
        for (const size of sizes) yield sizeRequest(size);
      }
      let index = 0;
      for await (const reply of running.client.bidiStream(EchoService.method.echoStream, requests())) {
        const size = sizes[index] as number;
        assert.equal(sha(reply.payload), sha(view(size, 1 + 3 * index)), `message ${index}`);
        index++;
      }
      assert.equal(index, sizes.length);
    });
  });
}

