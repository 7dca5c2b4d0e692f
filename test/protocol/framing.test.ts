import assert from "node:assert/strict";
import { test } from "node:test";
import { MessageReader, encodeFrame, type FrameError } from "../../src/protocol/framing.js";

function collect(limit = 1 << 20) {
  const messages: string[] = [];
  const flags: boolean[] = [];
  const errors: FrameError[] = [];
  const reader = new MessageReader({
    onMessage: (m, compressed) => { messages.push(Buffer.from(m).toString()); flags.push(compressed); },
    onFrameError: (e) => errors.push(e),
  }, limit);
  return { reader, messages, flags, errors };
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

test("each message carries its compressed flag to the sink, whole or split across chunks", () => {
  const { reader, messages, flags, errors } = collect();
  reader.push(Buffer.from([1, 0, 0, 0, 1, 0x41, 0, 0, 0, 0, 1, 0x42]));
  const split = Buffer.from([1, 0, 0, 0, 2, 0x43, 0x44]);
  reader.push(split.subarray(0, 3));
  reader.push(split.subarray(3, 6));
  reader.push(split.subarray(6));
  reader.push(Buffer.from([1, 0, 0, 0, 0]));
  assert.deepEqual(messages, ["A", "B", "CD", ""]);
  assert.deepEqual(flags, [true, false, true, true]);
  assert.deepEqual(errors, []);
});
