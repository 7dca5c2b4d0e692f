/**
 * capYoungGeneration: message-sized buffers that die young are collected by cheap scavenges instead of full
 * Mark-Compacts (the server's 16 KiB-1 MiB data path depends on it, docs/benchmarks.md §12), and a young
 * generation the user sized with node flags is left alone.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { test } from "node:test";
import { capYoungGeneration } from "../../src/runtime/young-generation.js";
import { type Collections, bufferChurnScript, parseCollections } from "./support/buffer-churn.js";

const moduleUrl = new URL("../../src/runtime/young-generation.js", import.meta.url).href;

/** Garbage collections (by kind) in a child process that churns through 512 MB of 64 KiB buffers. */
function collections(cap: boolean): Collections {
  const script = bufferChurnScript(`
    import { capYoungGeneration } from ${JSON.stringify(moduleUrl)};
    if (${cap}) capYoungGeneration([], "");
  `);
  return parseCollections(execFileSync(process.execPath, ["--input-type=module", "-e", script], { encoding: "utf8" }));
}

test("with the cap, dead 64 KiB buffers go in scavenges; without it, in Mark-Compacts", () => {
  const capped = collections(true);
  const uncapped = collections(false);
  assert.ok(capped.minor > 0, `capped: ${JSON.stringify(capped)}`);
  assert.ok(capped.major < uncapped.major, `capped ${JSON.stringify(capped)} against default ${JSON.stringify(uncapped)}`);
});

test("a young generation sized by the user's own node flags is left alone", () => {
  assert.equal(capYoungGeneration(["--max-semi-space-size=64"], ""), false);
  assert.equal(capYoungGeneration(["--scavenger-max-new-space-capacity-mb=16"], ""), false);
  assert.equal(capYoungGeneration([], "--max-semi-space-size=32 --enable-source-maps"), false);
});
