import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  callsDue, constantRate, describeSchedule, parseRateSchedule, rateAt, scaleSchedule,
} from "../../src/loadgen/rate-schedule.js";

describe("--rate schedules", () => {
  it("parses a constant rate, steps and a ramp", () => {
    assert.deepEqual(parseRateSchedule("2500.5"), constantRate(2500.5));
    assert.deepEqual(parseRateSchedule("1000:10000:1000/10s"), { start: 1000, end: 10000, step: 1000, periodMs: 10_000 });
    assert.deepEqual(parseRateSchedule("1000:10000/30s"), { start: 1000, end: 10000, step: 0, periodMs: 30_000 });
    assert.deepEqual(parseRateSchedule("5000:1000:1000/500ms"), { start: 5000, end: 1000, step: 1000, periodMs: 500 });
  });

  for (const [text, pattern] of [
    ["0", /above zero/],
    ["fast", /above zero/],
    ["1000:2000", /steps .* or a ramp/],
    ["1000:0/10s", /rates must be numbers above zero/],
    ["1000:2000:0/10s", /step must be a number above zero/],
    ["1000:2000/10", /needs a period/],
    ["1000:2000/0s", /needs a period/],
  ] as const) {
    it(`refuses "${text}"`, () => {
      const result = parseRateSchedule(text);
      assert.equal(typeof result, "string");
      assert.match(result as string, pattern);
    });
  }

  it("steps up every period and holds the end rate", () => {
    const steps = { start: 1000, end: 3000, step: 1000, periodMs: 10_000 };
    assert.equal(rateAt(steps, -500), 1000, "the warm-up runs at the first rate");
    assert.equal(rateAt(steps, 9_999), 1000);
    assert.equal(rateAt(steps, 10_000), 2000);
    assert.equal(rateAt(steps, 25_000), 3000);
    assert.equal(rateAt(steps, 99_000), 3000);
    const down = { start: 3000, end: 1000, step: 1000, periodMs: 1000 };
    assert.equal(rateAt(down, 1500), 2000);
    assert.equal(rateAt(down, 9000), 1000);
  });

  it("ramps linearly and holds the end rate", () => {
    const ramp = { start: 1000, end: 3000, step: 0, periodMs: 10_000 };
    assert.equal(rateAt(ramp, 0), 1000);
    assert.equal(rateAt(ramp, 5_000), 2000);
    assert.equal(rateAt(ramp, 20_000), 3000);
  });

  it("counts the calls a window offers (the integral of the rate)", () => {
    assert.equal(callsDue(constantRate(500), 2000), 1000);
    assert.equal(callsDue({ start: 1000, end: 3000, step: 1000, periodMs: 1000 }, 4000), 1000 + 2000 + 3000 + 3000);
    assert.equal(callsDue({ start: 1000, end: 3000, step: 0, periodMs: 2000 }, 3000), 4000 + 3000);
  });

  it("shares a schedule among threads and describes it", () => {
    assert.deepEqual(scaleSchedule({ start: 1000, end: 3000, step: 1000, periodMs: 1000 }, 0.5), { start: 500, end: 1500, step: 500, periodMs: 1000 });
    assert.equal(describeSchedule(constantRate(20_000)), "20,000 calls/s");
    assert.equal(describeSchedule({ start: 1000, end: 3000, step: 1000, periodMs: 10_000 }), "1,000 to 3,000 calls/s in steps of 1,000 every 10 s");
    assert.equal(describeSchedule({ start: 1000, end: 3000, step: 0, periodMs: 30_000 }), "1,000 to 3,000 calls/s ramped over 30 s");
  });
});
