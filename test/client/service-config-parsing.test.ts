// The service config parser (gRPC A2 + A6): typed values out, lookups by method / service / default, and a
// TypeError naming the field for each mistake.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { MAX_ATTEMPTS_CAP, parseServiceConfig } from "../../src/client/service-config.js";

const RETRY = { maxAttempts: 3, initialBackoff: "0.1s", maxBackoff: "1s", backoffMultiplier: 2, retryableStatusCodes: ["UNAVAILABLE", 8] };

test("a full config parses into typed values", () => {
  const config = parseServiceConfig(JSON.stringify({
    loadBalancingConfig: [{ unknown_policy: {} }, { round_robin: {} }],
    retryThrottling: { maxTokens: 10, tokenRatio: 0.1234 },
    methodConfig: [
      { name: [{ service: "pkg.Svc", method: "Get" }], timeout: "1.5s", waitForReady: true, maxRequestMessageBytes: 100, maxResponseMessageBytes: "200", retryPolicy: RETRY },
      { name: [{ service: "pkg.Svc" }], hedgingPolicy: { maxAttempts: 9, hedgingDelay: "0.25s", nonFatalStatusCodes: ["unavailable"] } },
      { name: [{}], timeout: "10s" },
    ],
  }));
  assert.equal(config.loadBalancingPolicy, "round_robin", "the first policy we support wins");
  assert.deepEqual(config.retryThrottling, { maxTokens: 10, tokenRatio: 0.123 });
  const get = config.methodConfig("/pkg.Svc/Get");
  assert.equal(get?.timeoutMs, 1500);
  assert.equal(get?.waitForReady, true);
  assert.equal(get?.maxRequestMessageBytes, 100);
  assert.equal(get?.maxResponseMessageBytes, 200);
  assert.equal(get?.retryPolicy?.maxAttempts, 3);
  assert.equal(get?.retryPolicy?.initialBackoffMs, 100);
  assert.equal(get?.retryPolicy?.maxBackoffMs, 1000);
  assert.deepEqual([...(get?.retryPolicy?.retryableStatusCodes ?? [])], [Code.UNAVAILABLE, Code.RESOURCE_EXHAUSTED]);
  const other = config.methodConfig("/pkg.Svc/Put");
  assert.equal(other?.hedgingPolicy?.maxAttempts, MAX_ATTEMPTS_CAP, "maxAttempts is capped at 5");
  assert.equal(other?.hedgingPolicy?.hedgingDelayMs, 250);
  assert.equal(config.methodConfig("/other.Svc/X")?.timeoutMs, 10_000, "the default config");
});

test("without a default, an unknown method has no config; the deprecated loadBalancingPolicy is read", () => {
  const config = parseServiceConfig({ loadBalancingPolicy: "PICK_FIRST", methodConfig: [{ name: [{ service: "a.B" }], timeout: "1s" }] });
  assert.equal(config.loadBalancingPolicy, "pick_first");
  assert.equal(config.methodConfig("/c.D/E"), undefined);
  assert.equal(config.methodConfig("/a.B/E")?.timeoutMs, 1000);
});

const bad: Array<[string, unknown, RegExp]> = [
  ["not JSON", "{", /not JSON/],
  ["methodConfig not an array", { methodConfig: {} }, /methodConfig must be an array/],
  ["a method without a service", { methodConfig: [{ name: [{ method: "X" }] }] }, /methodConfig\[0\]\.name\[0\]: a method needs a service/],
  ["a duplicate name", { methodConfig: [{ name: [{ service: "a.B" }] }, { name: [{ service: "a.B" }] }] }, /methodConfig\[1\]\.name\[0\]: duplicate name/],
  ["a bad timeout", { methodConfig: [{ name: [{ service: "a.B" }], timeout: "5" }] }, /methodConfig\[0\]\.timeout must be a duration/],
  ["maxAttempts 1", { methodConfig: [{ retryPolicy: { ...RETRY, maxAttempts: 1 } }] }, /retryPolicy\.maxAttempts must be at least 2/],
  ["no initialBackoff", { methodConfig: [{ retryPolicy: { ...RETRY, initialBackoff: undefined } }] }, /retryPolicy\.initialBackoff is required/],
  ["zero maxBackoff", { methodConfig: [{ retryPolicy: { ...RETRY, maxBackoff: "0s" } }] }, /retryPolicy\.maxBackoff must be above 0/],
  ["a bad multiplier", { methodConfig: [{ retryPolicy: { ...RETRY, backoffMultiplier: 0 } }] }, /backoffMultiplier must be a number above 0/],
  ["empty retryable codes", { methodConfig: [{ retryPolicy: { ...RETRY, retryableStatusCodes: [] } }] }, /retryableStatusCodes must not be empty/],
  ["an unknown code", { methodConfig: [{ retryPolicy: { ...RETRY, retryableStatusCodes: ["NOPE"] } }] }, /retryableStatusCodes\[0\]: NOPE is not a status code/],
  ["both policies", { methodConfig: [{ retryPolicy: RETRY, hedgingPolicy: { maxAttempts: 2 } }] }, /mutually exclusive/],
  ["a bad throttling", { retryThrottling: { maxTokens: 0, tokenRatio: 1 } }, /retryThrottling\.maxTokens/],
  ["a bad token ratio", { retryThrottling: { maxTokens: 10, tokenRatio: -1 } }, /retryThrottling\.tokenRatio/],
  ["no supported policy", { loadBalancingConfig: [{ grpclb: {} }] }, /names no supported policy/],
  ["a bad message limit", { methodConfig: [{ maxRequestMessageBytes: -1 }] }, /maxRequestMessageBytes must be a positive integer/],
];
for (const [what, input, message] of bad) {
  test(`${what} is a TypeError naming the field`, () => {
    assert.throws(() => parseServiceConfig(input), (error: unknown) => error instanceof TypeError && message.test(error.message));
  });
}
