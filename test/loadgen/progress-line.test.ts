import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProgressLine } from "../../src/loadgen/progress-line.js";

const ON_TIME = { behindMs: 0, late: 0, atCap: false };

describe("live progress line", () => {
  it("shows the warm-up, then the rate over the last second, the p99 so far and the errors", () => {
    const written: string[] = [];
    const stream = { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(stream, 0);
    assert.equal(line.render({ ok: 0, failed: 0, p99Us: 0, measuring: false, ...ON_TIME }, 1000), "1s  warming up");
    assert.equal(line.render({ ok: 900, failed: 0, p99Us: 1500, measuring: true, ...ON_TIME }, 2000), "2s  - calls/s  p99 1.50 ms  errors 0 (0.00%)");
    assert.equal(
      line.render({ ok: 20_800, failed: 100, p99Us: 2_340, measuring: true, ...ON_TIME }, 3000),
      "3s  20,000 calls/s  p99 2.34 ms  errors 100 (0.48%)",
    );
    line.update({ ok: 30_800, failed: 100, p99Us: 2_340, measuring: true, ...ON_TIME }, 4000);
    line.clear();
    assert.match(written[0] ?? "", /^\r4s  10,000 calls\/s .*\u001b\[K$/);
    assert.equal(written[1], "\r\u001b[K");
  });

  it("says when the open loop's generator is behind its schedule", () => {
    const stream = { write: () => true } as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(stream, 0);
    const behind = line.render({ ok: 10, failed: 0, p99Us: 100, measuring: true, behindMs: 250, late: 5, atCap: false }, 1000);
    assert.match(behind, /GENERATOR 250(\.0+)? ms BEHIND$/);
    const onTime = line.render({ ok: 20, failed: 0, p99Us: 100, measuring: true, behindMs: 1, late: 5, atCap: false }, 2000);
    assert.doesNotMatch(onTime, /BEHIND/);
  });

  it("blames the server when the calls due wait at --max-in-flight", () => {
    const stream = { write: () => true } as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(stream, 0);
    const held = line.render({ ok: 10, failed: 0, p99Us: 100, measuring: true, behindMs: 40, late: 0, atCap: true }, 1000);
    assert.match(held, /SERVER 40(\.0+)? ms BEHIND$/);
    assert.doesNotMatch(held, /GENERATOR/);
  });
});
