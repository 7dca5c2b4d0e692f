import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageReader, encodeFrame, type FrameError } from "../../src/protocol/framing.js";

function collect(limit = 1 << 20) {
  const messages: string[] = [];
  const errors: FrameError[] = [];
  const reader = new MessageReader({ onMessage: (m) => messages.push(Buffer.from(m).toString()), onFrameError: (e) => errors.push(e) }, limit);
  return { reader, messages, errors };
}

test("a message split over many chunks is reassembled", () => {
  const { reader, messages } = collect();
  const frame = encodeFrame(Buffer.from("hello world"));
  for (const byte of frame) reader.push(Uint8Array.of(byte));
  assert.deepEqual(messages, ["hello world"]);
  assert.equal(reader.midMessage, false);
});

test("several messages in one chunk, including empty ones, all arrive in order", () => {
  const { reader, messages } = collect();
  reader.push(Buffer.concat([encodeFrame(Buffer.from("a")), encodeFrame(new Uint8Array(0)), encodeFrame(Buffer.from("ccc"))]));
  assert.deepEqual(messages, ["a", "", "ccc"]);
});

test("a chunk boundary inside the prefix is handled", () => {
  const { reader, messages } = collect();
  const both = Buffer.concat([encodeFrame(Buffer.from("first")), encodeFrame(Buffer.from("second"))]);
  reader.push(both.subarray(0, 12));
  assert.equal(reader.midMessage, true);
  reader.push(both.subarray(12));
  assert.deepEqual(messages, ["first", "second"]);
});

test("an oversized message is refused from its prefix, before its body is buffered", () => {
  const { reader, messages, errors } = collect(10);
  reader.push(Buffer.from([0, 0, 0, 0, 11]));
  assert.deepEqual(errors, [{ kind: "too-large", size: 11, limit: 10 }]);
  reader.push(Buffer.alloc(11));
  assert.deepEqual(messages, []);
});

test("a compressed message is refused when compression was not negotiated", () => {
  const { reader, errors } = collect();
  reader.push(Buffer.from([1, 0, 0, 0, 1, 9]));
  assert.deepEqual(errors, [{ kind: "compressed" }]);
});
