// The A6 building blocks: backoff with full jitter, the throttling token bucket, pushback parsing, buffer limits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { RetryBackoff } from "../../src/client/retry/backoff.js";
import { RetryBufferBudget } from "../../src/client/retry/buffer-budget.js";
import { pushbackOf } from "../../src/client/retry/pushback.js";
import { RetryThrottle } from "../../src/client/retry/throttle.js";
import { Code } from "../../src/errors/codes.js";

const policy = { maxAttempts: 5, initialBackoffMs: 100, maxBackoffMs: 500, backoffMultiplier: 3, retryableStatusCodes: new Set([Code.UNAVAILABLE]) };

test("backoff: random(0, initial x multiplier^n) capped at maxBackoff; reset starts over", () => {
  const top = new RetryBackoff(policy, () => 1);
  assert.deepEqual([top.next(), top.next(), top.next(), top.next()], [100, 300, 500, 500]);
  top.reset();
  assert.equal(top.next(), 100);
  const half = new RetryBackoff(policy, () => 0.5);
  assert.deepEqual([half.next(), half.next()], [50, 150], "full jitter scales the whole range");
});

test("throttle: retries allowed only above half the tokens; failures take 1, successes give tokenRatio", () => {
  const throttle = new RetryThrottle({ maxTokens: 4, tokenRatio: 0.5 });
  assert.equal(throttle.allowsRetry, true);
  throttle.recordFailure();
  assert.equal(throttle.allowsRetry, true, "3 > 2");
  throttle.recordFailure();
  assert.equal(throttle.allowsRetry, false, "2 is not above half of 4");
  throttle.recordSuccess();
  assert.equal(throttle.tokens, 2.5);
  assert.equal(throttle.allowsRetry, true);
  for (let i = 0; i < 10; i++) throttle.recordSuccess();
  assert.equal(throttle.tokens, 4, "never above maxTokens");
  for (let i = 0; i < 10; i++) throttle.recordFailure();
  assert.equal(throttle.tokens, 0, "never below 0");
});

test("pushback: an integer is a delay, anything else says stop, absence says nothing", () => {
  assert.equal(pushbackOf({}), undefined);
  assert.equal(pushbackOf({ "grpc-retry-pushback-ms": "250" }), 250);
  assert.equal(pushbackOf({ "grpc-retry-pushback-ms": "0" }), 0);
  assert.equal(pushbackOf({ "grpc-retry-pushback-ms": "-1" }), "stop");
  assert.equal(pushbackOf({ "grpc-retry-pushback-ms": "soon" }), "stop");
});

test("buffer budget: per-call and total limits, released bytes are reusable", () => {
  const budget = new RetryBufferBudget(10, 6);
  assert.equal(budget.reserve(7), false, "over the per-call limit");
  assert.equal(budget.reserve(6), true);
  assert.equal(budget.reserve(5), false, "over the total");
  budget.release(6);
  assert.equal(budget.reserve(5), true);
  assert.equal(budget.usedBytes, 5);
});
