/**
 * How a unary request's bytes arrive must not matter: one whole message in one DATA frame (the server's fast
 * path), a message split over DATA frames, an empty message; and what breaks the unary contract must end with the
 * right status: two messages, a truncated one, none at all. Runs on every engine, from a raw node:http2 client that
 * chooses the DATA frame boundaries.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";

function echoRequest(payload: Buffer): Buffer {
  // EchoRequest{bytes payload = 1} in a gRPC frame (payload < 128 bytes: one-octet length)
  const message = payload.length === 0 ? Buffer.alloc(0) : Buffer.concat([Buffer.from([0x0a, payload.length]), payload]);
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

interface Answer { status: string | undefined; body: Buffer }

/** Sends the body as the given DATA chunks (each written separately, then END_STREAM). */
async function send(url: string, chunks: Buffer[]): Promise<Answer> {
  const session = http2.connect(url.replace("tcp://", "http://"));
  try {
    return await new Promise<Answer>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": ECHO_PATH, "content-type": "application/grpc", te: "trailers" });
      const body: Buffer[] = [];
      let status: string | undefined;
      stream.on("response", (headers) => {
        if (headers["grpc-status"] !== undefined) status = String(headers["grpc-status"]); // trailers-only
      });
      stream.on("trailers", (trailers) => { status = String(trailers["grpc-status"]); });
      stream.on("data", (chunk: Buffer) => body.push(chunk));
      stream.on("error", reject);
      stream.on("close", () => resolve({ status, body: Buffer.concat(body) }));
      const writeNext = (i: number): void => {
        const chunk = chunks[i];
        if (chunk === undefined) {
          stream.end();
          return;
        }
        // one write per DATA frame; setImmediate keeps node:http2 from merging them
        stream.write(chunk, () => setImmediate(() => writeNext(i + 1)));
      };
      writeNext(0);
    });
  } finally {
    session.close();
  }
}

for (const engine of ENGINES) {
  describe(`unary request framing (engine ${engine.name})`, () => {
    let running: Running;
    before(async () => {
      running = await startEcho(engine);
    });
    after(() => running.stop());

    test("one whole message in one DATA frame is echoed", async () => {
      const answer = await send(running.url, [echoRequest(Buffer.from("hello"))]);
      assert.equal(answer.status, "0");
      assert.deepEqual(answer.body, echoRequest(Buffer.from("hello")));
    });

    test("a message split over three DATA frames, prefix split too, is echoed", async () => {
      const whole = echoRequest(Buffer.from("split over frames"));
      const answer = await send(running.url, [whole.subarray(0, 3), whole.subarray(3, 9), whole.subarray(9)]);
      assert.equal(answer.status, "0");
      assert.deepEqual(answer.body, whole);
    });

    test("an empty message (5-byte prefix only) is a valid request", async () => {
      const answer = await send(running.url, [echoRequest(Buffer.alloc(0))]);
      assert.equal(answer.status, "0");
      assert.deepEqual(answer.body, echoRequest(Buffer.alloc(0)));
    });

    test("two messages on a unary call answer INVALID_ARGUMENT or UNIMPLEMENTED, never an echo", async () => {
      const one = echoRequest(Buffer.from("one"));
      for (const chunks of [[Buffer.concat([one, one])], [one, one]]) {
        const answer = await send(running.url, chunks);
        assert.ok(answer.status === String(Code.INVALID_ARGUMENT) || answer.status === String(Code.UNIMPLEMENTED), `status ${answer.status}`);
        assert.equal(answer.body.length, 0);
      }
    });

    test("a truncated message and a missing message are refused", async () => {
      const whole = echoRequest(Buffer.from("cut short"));
      const truncated = await send(running.url, [whole.subarray(0, whole.length - 2)]);
      assert.notEqual(truncated.status, "0");
      assert.notEqual(truncated.status, undefined);
      const missing = await send(running.url, []);
      assert.notEqual(missing.status, "0");
      assert.notEqual(missing.status, undefined);
    });

  });
}
