// --low-memory's heap compaction: after start-up-like garbage has grown V8's young generation, one trim gives it
// back (the new space shrinks), and the CLI parses the flag (off by default).
import assert from "node:assert/strict";
import v8 from "node:v8";
import { test } from "node:test";
import { parseConfig } from "../../src/cli/server-config.js";
import { trimIdleHeap } from "../../src/cli/trim-idle-heap.js";

function newSpaceBytes(): number {
  return v8.getHeapSpaceStatistics().find((space) => space.space_name === "new_space")?.space_size ?? 0;
}

test("a trim shrinks the young generation that garbage grew", () => {
  // Short-lived objects that survive a scavenge or two, as module loading makes: V8 grows the new space.
  let keep: unknown[] = [];
  for (let round = 0; round < 200; round++) {
    keep = Array.from({ length: 5000 }, (_, i) => ({ i, text: `object ${i} of round ${round}` }));
  }
  assert.ok(keep.length > 0);
  const grown = newSpaceBytes();
  assert.equal(trimIdleHeap(), true);
  const trimmed = newSpaceBytes();
  assert.ok(trimmed < grown, `new space ${grown} -> ${trimmed} bytes`);
  assert.ok(trimmed <= 2 * 1024 * 1024, `new space after the trim: ${trimmed} bytes`);
});

test("--low-memory is off unless asked for", async () => {
  const plain = await parseConfig(["--workers", "1"]);
  const asked = await parseConfig(["--workers", "1", "--low-memory"]);
  assert.ok(plain !== "help" && asked !== "help");
  assert.equal(plain.lowMemory, false);
  assert.equal(asked.lowMemory, true);
});
