/**
 * A signing thread lowers its own priority only where setpriority(PRIO_PROCESS, 0) means "this thread" (Linux).
 * Elsewhere it would lower the whole process, event loop included, so the call must not be made at all.
 */
import assert from "node:assert/strict";
import os from "node:os";
import { describe, test } from "node:test";
import { Worker } from "node:worker_threads";
import { lowerOwnThreadPriority } from "../../src/crypto/own-thread-priority.js";

function recorder(): { calls: number[]; setPriority: (priority: number) => void } {
  const calls: number[] = [];
  return { calls, setPriority: (priority) => { calls.push(priority); } };
}

describe("signing thread priority", () => {
  for (const platform of ["darwin", "win32", "freebsd"] as const) {
    test(`on ${platform} the priority is left alone`, () => {
      const { calls, setPriority } = recorder();
      const result = lowerOwnThreadPriority(19, { platform, setPriority, getPriority: () => 0 });
      assert.deepEqual(calls, []);
      assert.equal(result.nice, 0);
      assert.match(result.skipped ?? "", /whole process/);
    });
  }

  test("on Linux the thread's nice value is set", () => {
    const { calls, setPriority } = recorder();
    const result = lowerOwnThreadPriority(19, { platform: "linux", setPriority, getPriority: () => 19 });
    assert.deepEqual(calls, [19]);
    assert.deepEqual(result, { nice: 19 });
  });

  test("nice 0 changes nothing", () => {
    const { calls, setPriority } = recorder();
    lowerOwnThreadPriority(0, { platform: "linux", setPriority, getPriority: () => 0 });
    assert.deepEqual(calls, []);
  });

  test("a refusal from the kernel is reported, not thrown", () => {
    const result = lowerOwnThreadPriority(19, {
      platform: "linux",
      setPriority: () => { throw new Error("EACCES"); },
      getPriority: () => { throw new Error("no getpriority either"); },
    });
    assert.deepEqual(result, { nice: 0, skipped: "EACCES" });
  });

  test("on this Linux machine a thread lowers itself and the event loop keeps its priority", { skip: process.platform !== "linux" }, async () => {
    const before = os.getPriority();
    const moduleUrl = new URL("../../src/crypto/own-thread-priority.js", import.meta.url).href;
    const worker = new Worker(
      `import(${JSON.stringify(moduleUrl)}).then((m) => require("node:worker_threads").parentPort.postMessage(m.lowerOwnThreadPriority(19).nice));`,
      { eval: true },
    );
    const threadNice = await new Promise<unknown>((resolve, reject) => {
      worker.once("message", resolve);
      worker.once("error", reject);
    });
    await worker.terminate();
    assert.equal(threadNice, Math.max(19, before));
    assert.equal(os.getPriority(), before);
  });
});
