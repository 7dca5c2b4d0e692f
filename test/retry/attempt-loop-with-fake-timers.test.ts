// The attempt loop (retryPolicy and hedgingPolicy) with node:test's fake timers: backoff waits, pushback,
// throttling, deadlines and hedging delays are checked against the mocked clock, not wall-clock sleeps.
import assert from "node:assert/strict";
import { type TestContext, test } from "node:test";
import { type Attempt, type AttemptContext, withHedging, withRetries } from "../../src/client/retry/attempts.js";
import { newRetryStats } from "../../src/client/retry/stats.js";
import { RetryThrottle } from "../../src/client/retry/throttle.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";

const RETRY = { maxAttempts: 4, initialBackoffMs: 100, maxBackoffMs: 1000, backoffMultiplier: 2, retryableStatusCodes: new Set([Code.UNAVAILABLE]) };
const HEDGE = { maxAttempts: 3, hedgingDelayMs: 50, nonFatalStatusCodes: new Set([Code.UNAVAILABLE]) };

function context(overrides: Partial<AttemptContext> = {}): AttemptContext {
  return { stats: newRetryStats(), throttle: null, timeoutMs: undefined, signal: undefined, retriable: true, random: () => 1, ...overrides };
}

const unavailable = (metadata: Record<string, string> = {}) => new GrpcError(Code.UNAVAILABLE, "try again", { metadata });

/** A scripted `send`: each attempt is recorded with the mocked time it started at; `answer` settles it. */
function scripted(answer: (attempt: Attempt, index: number) => Promise<string>) {
  const started: Array<{ index: number; at: number; timeoutMs: number | undefined; attempt: Attempt }> = [];
  const send = (attempt: Attempt) => {
    started.push({ index: attempt.index, at: Date.now(), timeoutMs: attempt.timeoutMs, attempt });
    return answer(attempt, started.length - 1);
  };
  return { started, send };
}

/** Lets the loop's promise callbacks run between timer ticks. */
async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

async function advance(t: TestContext, ms: number): Promise<void> {
  await flush();
  t.mock.timers.tick(ms);
  await flush();
}

function fakeTime(t: TestContext): void {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"], now: 0 });
}

test("retryPolicy: retryable statuses are retried after growing backoffs until one succeeds", async (t) => {
  fakeTime(t);
  const { started, send } = scripted((_, i) => (i < 2 ? Promise.reject(unavailable()) : Promise.resolve("ok")));
  const ctx = context();
  const result = withRetries(RETRY, ctx, send);
  await advance(t, 99);
  assert.equal(started.length, 1, "the first backoff is random(0, 100): 100 with random() = 1");
  await advance(t, 1);
  assert.equal(started.length, 2);
  await advance(t, 200);
  assert.equal(await result, "ok");
  assert.deepEqual(started.map((s) => [s.index, s.at]), [[0, 0], [1, 100], [2, 300]]);
  assert.deepEqual({ attempts: ctx.stats.attempts, retries: ctx.stats.retries, policyCalls: ctx.stats.policyCalls }, { attempts: 3, retries: 2, policyCalls: 1 });
});

test("retryPolicy: a non-retryable status ends the call at once; maxAttempts bounds the retries", async (t) => {
  fakeTime(t);
  const fatal = scripted(() => Promise.reject(new GrpcError(Code.INVALID_ARGUMENT, "no")));
  await assert.rejects(withRetries(RETRY, context(), fatal.send), (e: unknown) => e instanceof GrpcError && e.code === Code.INVALID_ARGUMENT);
  assert.equal(fatal.started.length, 1);
  const always = scripted(() => Promise.reject(unavailable()));
  const result = withRetries(RETRY, context(), always.send);
  for (let i = 0; i < 10; i++) await advance(t, 1000);
  await assert.rejects(result, (e: unknown) => e instanceof GrpcError && e.code === Code.UNAVAILABLE);
  assert.equal(always.started.length, 4);
});

test("retryPolicy: grpc-retry-pushback-ms sets the wait; a negative one stops retrying", async (t) => {
  fakeTime(t);
  const pushed = scripted((_, i) => (i === 0 ? Promise.reject(unavailable({ "grpc-retry-pushback-ms": "700" })) : Promise.resolve("ok")));
  const result = withRetries(RETRY, context(), pushed.send);
  await advance(t, 699);
  assert.equal(pushed.started.length, 1, "the server's 700 ms, not the 100 ms backoff");
  await advance(t, 1);
  assert.equal(await result, "ok");
  const stop = scripted(() => Promise.reject(unavailable({ "grpc-retry-pushback-ms": "-1" })));
  const ctx = context();
  await assert.rejects(withRetries(RETRY, ctx, stop.send), GrpcError);
  assert.equal(stop.started.length, 1);
  assert.equal(ctx.stats.pushbackStops, 1);
});

test("retryPolicy: throttling stops retries once the tokens fall to half; successes refill them", async (t) => {
  fakeTime(t);
  const throttle = new RetryThrottle({ maxTokens: 3, tokenRatio: 1 });
  const ctx = context({ throttle });
  const failing = scripted(() => Promise.reject(unavailable()));
  const result = withRetries(RETRY, ctx, failing.send);
  for (let i = 0; i < 5; i++) await advance(t, 1000);
  await assert.rejects(result, GrpcError);
  assert.equal(failing.started.length, 2, "3 tokens: the 1st failure leaves 2 (> 1.5, retry), the 2nd leaves 1 (throttled)");
  assert.equal(ctx.stats.throttled, 1);
  const ok = scripted(() => Promise.resolve("ok"));
  await withRetries(RETRY, ctx, ok.send);
  assert.equal(throttle.tokens, 2);
});

test("retryPolicy: the deadline covers every attempt and the waits; each attempt gets what is left", async (t) => {
  fakeTime(t);
  const { started, send } = scripted(() => Promise.reject(unavailable()));
  const result = withRetries({ ...RETRY, initialBackoffMs: 400 }, context({ timeoutMs: 600 }), send);
  await advance(t, 400);
  assert.deepEqual(started.map((s) => s.timeoutMs), [600, 200]);
  await advance(t, 200);
  await assert.rejects(result, (e: unknown) => e instanceof GrpcError && e.code === Code.DEADLINE_EXCEEDED);
  assert.equal(started.length, 2, "the next backoff (up to 800 ms) outlasts the deadline");
});

test("retryPolicy: response headers commit the call; a request over the buffer limits is not retried", async (t) => {
  fakeTime(t);
  const committed = scripted((attempt) => {
    attempt.committed = true;
    return Promise.reject(unavailable());
  });
  await assert.rejects(withRetries(RETRY, context(), committed.send), GrpcError);
  assert.equal(committed.started.length, 1);
  const unbuffered = scripted(() => Promise.reject(unavailable()));
  await assert.rejects(withRetries(RETRY, context({ retriable: false }), unbuffered.send), GrpcError);
  assert.equal(unbuffered.started.length, 1);
});

test("retryPolicy: the caller's abort cancels the attempt in flight and ends the call", async (t) => {
  fakeTime(t);
  const controller = new AbortController();
  const { started, send } = scripted((attempt) => new Promise((_, reject) => attempt.signal.addEventListener("abort", () => reject(new GrpcError(Code.CANCELLED, "aborted")))));
  const result = withRetries(RETRY, context({ signal: controller.signal }), send);
  await flush();
  controller.abort();
  await assert.rejects(result, (e: unknown) => e instanceof GrpcError && e.code === Code.CANCELLED);
  assert.equal(started[0]?.attempt.signal.aborted, true);
});

test("hedgingPolicy: a new attempt every hedgingDelay; the first success wins and cancels the others", async (t) => {
  fakeTime(t);
  const pending: Array<(value: string) => void> = [];
  const { started, send } = scripted((attempt) => new Promise((resolve, reject) => {
    pending.push(resolve);
    attempt.signal.addEventListener("abort", () => reject(new GrpcError(Code.CANCELLED, "lost")));
  }));
  const ctx = context();
  const result = withHedging(HEDGE, ctx, send);
  await advance(t, 49);
  assert.equal(started.length, 1);
  await advance(t, 1);
  assert.equal(started.length, 2);
  pending[1]?.("second");
  assert.equal(await result, "second");
  assert.equal(started[0]?.attempt.signal.aborted, true, "the losing attempt is cancelled");
  await advance(t, 1000);
  assert.equal(started.length, 2, "no hedge after the call is done");
  assert.deepEqual({ attempts: ctx.stats.attempts, hedges: ctx.stats.hedges }, { attempts: 2, hedges: 1 });
});

test("hedgingPolicy: a non-fatal status sends the next attempt at once; a fatal one ends the call", async (t) => {
  fakeTime(t);
  const nonFatal = scripted((_, i) => (i === 0 ? Promise.reject(unavailable()) : Promise.resolve("ok")));
  const result = withHedging(HEDGE, context(), nonFatal.send);
  await advance(t, 0);
  assert.equal(await result, "ok");
  assert.deepEqual(nonFatal.started.map((s) => s.at), [0, 0], "no hedgingDelay after a non-fatal status");
  const fatal = scripted(() => Promise.reject(new GrpcError(Code.PERMISSION_DENIED, "no")));
  await assert.rejects(withHedging(HEDGE, context(), fatal.send), (e: unknown) => e instanceof GrpcError && e.code === Code.PERMISSION_DENIED);
  assert.equal(fatal.started.length, 1);
});

test("hedgingPolicy: all attempts failing non-fatally give the last status; the deadline ends a hedged call", async (t) => {
  fakeTime(t);
  const failing = scripted(() => Promise.reject(unavailable()));
  const result = withHedging(HEDGE, context(), failing.send);
  for (let i = 0; i < 5; i++) await advance(t, 0); // each non-fatal status schedules the next attempt at once
  await assert.rejects(result, (e: unknown) => e instanceof GrpcError && e.code === Code.UNAVAILABLE);
  assert.equal(failing.started.length, 3);
  const hanging = scripted(() => new Promise<string>(() => {}));
  const timed = withHedging(HEDGE, context({ timeoutMs: 120 }), hanging.send);
  await advance(t, 50);
  await advance(t, 50);
  await advance(t, 20);
  await assert.rejects(timed, (e: unknown) => e instanceof GrpcError && e.code === Code.DEADLINE_EXCEEDED);
  assert.equal(hanging.started.length, 3, "hedges at 0, 50 and 100 ms");
});
