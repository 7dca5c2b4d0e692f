/** CallMetadata to the wire and back: -bin bytes as unpadded base64, padded or not on receipt, several values, refusals. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromWireMetadata, metadataText, toWireMetadata } from "../../src/protocol/metadata.js";

test("bytes under -bin keys become unpadded base64; text and arrays pass through", () => {
  assert.deepEqual(toWireMetadata({
    "a-bin": new Uint8Array([1, 2, 3, 4]),
    "b-bin": [Buffer.from("x"), "already-base64"],
    text: ["one", "two"],
  }), { "a-bin": "AQIDBA", "b-bin": ["eA", "already-base64"], text: ["one", "two"] });
});

test("a view into a larger buffer encodes only its own bytes", () => {
  const backing = new Uint8Array([9, 9, 1, 2, 9]);
  assert.deepEqual(toWireMetadata({ "v-bin": backing.subarray(2, 4) }), { "v-bin": "AQI" });
});

test("invalid keys, reserved keys and bytes under a text key are refused", () => {
  assert.throws(() => toWireMetadata({ "Upper": "x" }), /invalid metadata key/);
  assert.throws(() => toWireMetadata({ "grpc-status": "0" }), /reserved/);
  assert.throws(() => toWireMetadata({ "grpc-status-details-bin": new Uint8Array(1) }), /reserved/);
  assert.throws(() => toWireMetadata({ text: new Uint8Array(1) }), /-bin/);
});

test("received -bin values decode padded, unpadded, comma-separated and repeated; reserved headers are dropped", () => {
  const metadata = fromWireMetadata({
    "a-bin": "AQIDBA==",
    "b-bin": "AQIDBA",
    "c-bin": "AQ==,Ag",
    "d-bin": ["AQ", "Ag=="],
    "grpc-status": "0",
    ":status": "200",
    "content-type": "application/grpc",
    text: "t",
  });
  assert.deepEqual(metadata, {
    "a-bin": Buffer.from([1, 2, 3, 4]),
    "b-bin": Buffer.from([1, 2, 3, 4]),
    "c-bin": [Buffer.from([1]), Buffer.from([2])],
    "d-bin": [Buffer.from([1]), Buffer.from([2])],
    text: "t",
  });
});

test("metadataText gives the first value as text, bytes as base64", () => {
  assert.equal(metadataText({ authorization: ["Bearer a", "Bearer b"] }, "authorization"), "Bearer a");
  assert.equal(metadataText({ "id-bin": Buffer.from([1, 2, 3]) }, "id-bin"), "AQID");
  assert.equal(metadataText({}, "missing"), undefined);
});
