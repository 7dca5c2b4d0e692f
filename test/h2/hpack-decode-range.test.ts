/** The HPACK decoder decodes a block in place inside a larger buffer (a frame in a socket chunk). */
import assert from "node:assert/strict";
import { it } from "node:test";
import { HpackDecoder, HpackEncoder } from "../../src/engine/h2/hpack/index.js";

it("decodes bytes [start, end) of a buffer exactly as the block alone, and rejects an invalid range", () => {
  const fields: Array<[string, string]> = [[":path", "/a.B/C"], ["x-custom", "value with spaces"], ["te", "trailers"]];
  const block = new HpackEncoder().encode(fields);
  const framed = Buffer.concat([Buffer.alloc(9, 0xff), block, Buffer.alloc(7, 0xff)]);
  const out: Array<[string, string]> = [];
  const decoder = new HpackDecoder();
  decoder.decode(framed, (name, value) => out.push([name, value]), 9, 9 + block.length);
  assert.deepEqual(out, fields);
  assert.throws(() => new HpackDecoder().decode(framed, () => undefined, 5, framed.length + 1), RangeError);
});
