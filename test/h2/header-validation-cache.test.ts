/**
 * FieldCollector remembers the regular fields that passed validation by their position in the block, to skip
 * rescanning them on the next request. A field that differs (even by one character) must still be checked.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { FieldCollector } from "../../src/engine/h2/header-fields.js";

function collect(collector: FieldCollector, fields: Array<[string, string]>): string | null {
  collector.reset("request");
  for (const [name, value] of fields) collector.onField(name, value);
  collector.checkRequest();
  return collector.malformed;
}

const PSEUDO: Array<[string, string]> = [[":method", "POST"], [":scheme", "http"], [":path", "/a.B/C"]];

test("a repeated valid block stays valid and keeps its fields", () => {
  const collector = new FieldCollector(16384);
  for (let i = 0; i < 3; i++) {
    assert.equal(collect(collector, [...PSEUDO, ["content-type", "application/grpc"], ["user-agent", "x/1"]]), null);
    assert.deepEqual(collector.takeFields(), ["content-type", "application/grpc", "user-agent", "x/1"]);
  }
});

test("after a valid block, an invalid field at the same position is still refused", () => {
  const collector = new FieldCollector(16384);
  assert.equal(collect(collector, [...PSEUDO, ["user-agent", "x/1"]]), null);
  assert.match(collect(collector, [...PSEUDO, ["user-agent", "x/1\r\n"]]) ?? "", /invalid value/);
  assert.match(collect(collector, [...PSEUDO, ["User-Agent", "x/1"]]) ?? "", /invalid field name/);
  assert.match(collect(collector, [...PSEUDO, ["connection", "close"]]) ?? "", /connection-specific/);
  assert.match(collect(collector, [...PSEUDO, ["", ""]]) ?? "", /invalid field name/);
  assert.equal(collect(collector, [...PSEUDO, ["user-agent", "x/1"]]), null);
});

test("te and content-length are checked on every block, remembered or not", () => {
  const collector = new FieldCollector(16384);
  assert.equal(collect(collector, [...PSEUDO, ["te", "trailers"], ["content-length", "5"]]), null);
  assert.equal(collector.contentLength, 5);
  assert.equal(collect(collector, [...PSEUDO, ["te", "trailers"], ["content-length", "5"]]), null);
  assert.equal(collector.contentLength, 5);
  assert.match(collect(collector, [...PSEUDO, ["te", "gzip"]]) ?? "", /te must be/);
});

test("content-length is parsed per value: a repeated one is reused, a changed or invalid one is not", () => {
  const collector = new FieldCollector(16384);
  assert.equal(collect(collector, [...PSEUDO, ["content-length", "69"]]), null);
  assert.equal(collector.contentLength, 69);
  assert.equal(collect(collector, [...PSEUDO, ["content-length", "69"]]), null);
  assert.equal(collector.contentLength, 69);
  assert.equal(collect(collector, [...PSEUDO, ["content-length", "7"]]), null);
  assert.equal(collector.contentLength, 7);
  assert.match(collect(collector, [...PSEUDO, ["content-length", "7x"]]) ?? "", /invalid content-length/);
  assert.match(collect(collector, [...PSEUDO, ["content-length", "7x"]]) ?? "", /invalid content-length/);
  assert.match(collect(collector, [...PSEUDO, ["content-length", "7"], ["content-length", "8"]]) ?? "", /invalid content-length/);
});
