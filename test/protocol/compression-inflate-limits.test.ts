/** The compression helpers: negotiation parsing, the size threshold, and inflating held to the message limit. */
import assert from "node:assert/strict";
import { test } from "node:test";
import zlib from "node:zlib";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import {
  ACCEPT_ENCODING, MessageCompressor, acceptsEncoding, decompress, parseCompressionName,
} from "../../src/protocol/compression.js";
import { encodeFrame } from "../../src/protocol/framing.js";

function failsWith(run: () => unknown, code: Code, pattern?: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof GrpcError, String(error));
    assert.equal(error.code, code);
    if (pattern) assert.match(error.rawMessage, pattern);
    return true;
  });
}

test("gzip and deflate messages inflate back to the original bytes", () => {
  const original = Buffer.from("fastgrpc ".repeat(500));
  assert.deepEqual(Buffer.from(decompress("gzip", zlib.gzipSync(original), 1 << 20)), original);
  assert.deepEqual(Buffer.from(decompress("deflate", zlib.deflateSync(original), 1 << 20)), original);
});

test("a zip bomb is refused RESOURCE_EXHAUSTED without being inflated past the limit", () => {
  const bomb = zlib.gzipSync(Buffer.alloc(64 * 1024 * 1024)); // 64 MiB of zeros in ~64 KiB
  assert.ok(bomb.length < 100_000);
  const before = process.memoryUsage().arrayBuffers;
  failsWith(() => decompress("gzip", bomb, 1024 * 1024), Code.RESOURCE_EXHAUSTED, /limit of 1048576/);
  // zlib stopped at the cap: far less than the 64 MiB the message would inflate to was ever allocated.
  assert.ok(process.memoryUsage().arrayBuffers - before < 32 * 1024 * 1024);
  failsWith(() => decompress("deflate", zlib.deflateSync(Buffer.alloc(2048)), 2047), Code.RESOURCE_EXHAUSTED);
});

test("a message inflating to exactly the limit passes", () => {
  assert.equal(decompress("gzip", zlib.gzipSync(Buffer.alloc(4096, 1)), 4096).length, 4096);
});

test("corrupt data is INTERNAL, a flag without grpc-encoding is INTERNAL, an unknown encoding is UNIMPLEMENTED with ours", () => {
  failsWith(() => decompress("gzip", Buffer.from([1, 2, 3]), 1024), Code.INTERNAL, /could not be decompressed/);
  failsWith(() => decompress(undefined, Buffer.from([1]), 1024), Code.INTERNAL, /no grpc-encoding/);
  failsWith(() => decompress("identity", Buffer.from([1]), 1024), Code.INTERNAL);
  assert.throws(() => decompress("snappy", Buffer.from([1]), 1024), (error: unknown) =>
    error instanceof GrpcError && error.code === Code.UNIMPLEMENTED && error.metadata["grpc-accept-encoding"] === ACCEPT_ENCODING);
});

test("grpc-accept-encoding is read as a comma list; identity is always accepted", () => {
  assert.equal(acceptsEncoding("identity, deflate,gzip", "gzip"), true);
  assert.equal(acceptsEncoding("identity,deflate", "gzip"), false);
  assert.equal(acceptsEncoding(undefined, "deflate"), false);
  assert.equal(acceptsEncoding(undefined, "identity"), true);
  assert.equal(parseCompressionName("deflate"), "deflate");
  assert.throws(() => parseCompressionName("br"), /unknown compression "br"/);
});

test("the compressor leaves messages under the threshold, and disabled messages, uncompressed", () => {
  const compressor = new MessageCompressor("gzip", 100);
  const small = compressor.frame(Buffer.alloc(99), encodeFrame);
  assert.equal(small[0], 0);
  assert.equal(small.length, 5 + 99);
  const large = compressor.frame(Buffer.alloc(100), encodeFrame);
  assert.equal(large[0], 1);
  assert.equal(Buffer.from(large).readUInt32BE(1), large.length - 5);
  assert.deepEqual(zlib.gunzipSync(large.subarray(5)), Buffer.alloc(100));
  compressor.enabled = false;
  assert.equal(compressor.frame(Buffer.alloc(1000), encodeFrame)[0], 0);
});
