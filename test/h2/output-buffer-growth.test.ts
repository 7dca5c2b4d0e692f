/** The engine's output buffer grows geometrically when many frames are written between two flushes. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { OutputBuffer } from "../../src/engine/h2/output-buffer.js";

it("writing 4 MiB in 1 KiB frames without a flush reallocates a handful of times, not once per frame", () => {
  const out = new OutputBuffer();
  const payload = Buffer.alloc(1024, 1);
  let slabs = 1;
  let last = out.buf;
  for (let i = 0; i < 4096; i++) {
    out.ensure(9 + payload.length);
    out.frameHeader(payload.length, 0, 0, 1);
    out.bytes(payload, 0, payload.length);
    if (out.buf !== last) {
      slabs++;
      last = out.buf;
    }
  }
  assert.equal(out.pending, 4096 * (9 + 1024));
  assert.ok(slabs < 20, `${slabs} reallocations`);
  const taken = out.take();
  assert.equal(taken?.length, 4096 * (9 + 1024));
  assert.equal(taken?.[9 + 1024 + 9], 1, "frames are kept intact across reallocations");
});
