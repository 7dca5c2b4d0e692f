import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ProgressLine } from "../../src/loadgen/progress-line.js";

describe("live progress line", () => {
  it("shows the warm-up, then the rate over the last second, the p99 so far and the errors", () => {
    const written: string[] = [];
    const stream = { write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream;
    const line = new ProgressLine(stream, 0);
    assert.equal(line.render({ ok: 0, failed: 0, p99Us: 0, measuring: false }, 1000), "1s  warming up");
    assert.equal(line.render({ ok: 900, failed: 0, p99Us: 1500, measuring: true }, 2000), "2s  - calls/s  p99 1.50 ms  errors 0 (0.00%)");
    assert.equal(
      line.render({ ok: 20_800, failed: 100, p99Us: 2_340, measuring: true }, 3000),
      "3s  20,000 calls/s  p99 2.34 ms  errors 100 (0.48%)",
    );
    line.update({ ok: 30_800, failed: 100, p99Us: 2_340, measuring: true }, 4000);
    line.clear();
    assert.match(written[0] ?? "", /^\r4s  10,000 calls\/s .*\u001b\[K$/);
    assert.equal(written[1], "\r\u001b[K");
  });
});
