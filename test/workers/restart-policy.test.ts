// Crash-loop backoff for worker replacement.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RestartPolicy } from "../../src/server/workers/restart-policy.js";

test("a worker that ran a while is replaced at once; quick crashes double the delay up to the cap, and a healthy run resets it", () => {
  const policy = new RestartPolicy({ minUptimeMs: 1000, initialDelayMs: 100, maxDelayMs: 500 });
  assert.equal(policy.delayAfterCrash(60_000), 0);
  assert.deepEqual([10, 10, 10, 10, 10].map((uptime) => policy.delayAfterCrash(uptime)), [100, 200, 400, 500, 500]);
  assert.equal(policy.crashLoopLength, 5);
  assert.equal(policy.delayAfterCrash(5000), 0);
  assert.equal(policy.delayAfterCrash(10), 100);
});
