/**
 * An idle connection holds no output slab: the buffer takes one at its first write, and release() (called once the
 * handshake's output is written) gives it back when everything written was taken; writing afterwards works as before.
 */
import assert from "node:assert/strict";
import { it } from "node:test";
import { OutputBuffer } from "../../src/engine/h2/output-buffer.js";

function frame(out: OutputBuffer, fill: number, length: number): void {
  out.ensure(9 + length);
  out.frameHeader(length, 0, 0, 1);
  out.bytes(Buffer.alloc(length, fill), 0, length);
}

it("holds no slab before the first write, and a small first slab after it", () => {
  const out = new OutputBuffer();
  assert.equal(out.buf.length, 0);
  assert.equal(out.take(), null);
  frame(out, 1, 20);
  assert.ok(out.buf.length > 0 && out.buf.length < 64 * 1024, `first slab of ${out.buf.length} bytes`);
});

it("release gives the slab back once everything was taken, not before", () => {
  const out = new OutputBuffer();
  frame(out, 2, 30);
  out.release();
  assert.ok(out.buf.length > 0, "kept while output is pending");
  assert.equal(out.take()?.length, 39);
  out.release();
  assert.equal(out.buf.length, 0, "given back once taken");
  assert.equal(out.pending, 0);
});

it("release keeps the slab while attached payloads wait", () => {
  const out = new OutputBuffer();
  frame(out, 3, 10);
  out.attach(Buffer.alloc(20_000, 4));
  out.release();
  assert.ok(out.buf.length > 0);
  const pieces = out.takePieces();
  assert.deepEqual(pieces?.map((piece) => piece.length), [19, 20_000]);
});

it("writes after a release take a new slab, and the bytes taken before stay intact", () => {
  const out = new OutputBuffer();
  frame(out, 5, 40);
  const before = out.take();
  out.release();
  frame(out, 6, 50);
  frame(out, 7, 70_000);
  const after = out.take();
  assert.equal(before?.length, 49);
  assert.ok(before?.subarray(9).every((byte) => byte === 5), "earlier output untouched by later writes");
  assert.equal(after?.length, 59 + 9 + 70_000);
  assert.equal(after?.[9], 6);
  assert.equal(after?.[59 + 9], 7);
});
