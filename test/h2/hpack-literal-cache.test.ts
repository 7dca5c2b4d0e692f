/**
 * The decoder's literal cache (strings sent again and again without indexing, like nghttp2's :path) must never
 * return a wrong string: not for a repeated literal, not for different literals that share a cache slot (same
 * length, first and last octet), not across the Huffman and raw forms of the same text.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { HpackDecoder, huffmanEncode } from "../../src/engine/h2/hpack/index.js";

function stringLiteral(text: string, huffman: boolean): Buffer {
  const octets = huffman ? Buffer.from(huffmanEncode(text)) : Buffer.from(text, "latin1");
  assert.ok(octets.length < 127, "one-octet length prefix");
  return Buffer.concat([Buffer.from([(huffman ? 0x80 : 0) | octets.length]), octets]);
}

/** Literal header field without indexing, new name (RFC 7541 6.2.2). */
function literalField(name: string, value: string, huffman: boolean): Buffer {
  return Buffer.concat([Buffer.from([0x00]), stringLiteral(name, huffman), stringLiteral(value, huffman)]);
}

function decodeAll(decoder: HpackDecoder, block: Buffer): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  decoder.decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

test("a literal repeated on every block decodes to the same text each time", () => {
  const decoder = new HpackDecoder();
  for (let i = 0; i < 50; i++) {
    const huffman = i % 2 === 0;
    assert.deepEqual(decodeAll(decoder, literalField(":path", "/fastgrpc.echo.v1.EchoService/Echo", huffman)), [[":path", "/fastgrpc.echo.v1.EchoService/Echo"]]);
  }
});

test("different literals sharing length, first and last octet never get each other's text", () => {
  const decoder = new HpackDecoder();
  const values = ["/a.B/xxxxxxxxxxC", "/a.B/yyyyyyyyyyC", "/a.B/xxxxxyxxxxC", "/a.B/xxxxxxxxxyC"];
  for (let round = 0; round < 20; round++) {
    for (const [i, value] of values.entries()) {
      const huffman = (round + i) % 3 === 0;
      assert.deepEqual(decodeAll(decoder, literalField("x-key", value, huffman)), [["x-key", value]]);
    }
  }
});

test("random literals, many repeated, decode exactly (Huffman and raw, long and short)", () => {
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pool = Array.from({ length: 40 }, () => {
    const length = next(120);
    return Array.from({ length }, () => String.fromCharCode(0x21 + next(94))).join("");
  });
  const decoder = new HpackDecoder();
  for (let i = 0; i < 3000; i++) {
    const name = `x-${next(5)}`;
    const value = pool[next(pool.length)] ?? "";
    const huffman = next(2) === 0;
    assert.deepEqual(decodeAll(decoder, literalField(name, value, huffman)), [[name, value]]);
  }
});
