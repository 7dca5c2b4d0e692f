/** The live one-line progress on a terminal's stderr: rate over the last second, p99 so far, errors. */
import { formatCount, formatLatency, formatPercent } from "./format.js";
import type { ProgressSnapshot } from "./load-run.js";

const BEHIND_SHOWN_MS = 5;

export class ProgressLine {
  private lastCount = 0;
  private lastAt: number | undefined;
  private readonly startedAt: number;
  private shown = false;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    now: number = performance.now(),
  ) {
    this.startedAt = now;
  }

  update(snapshot: ProgressSnapshot, now: number = performance.now()): void {
    this.stream.write(`\r${this.render(snapshot, now)}\u001b[K`);
    this.shown = true;
  }

  render(snapshot: ProgressSnapshot, now: number): string {
    const elapsedS = Math.round((now - this.startedAt) / 1000);
    if (!snapshot.measuring) return `${elapsedS}s  warming up`;
    const count = snapshot.ok + snapshot.failed;
    // The first measured second has no full interval behind it: no rate yet.
    const rate = this.lastAt === undefined || now <= this.lastAt ? "-" : formatCount(((count - this.lastCount) * 1000) / (now - this.lastAt));
    this.lastCount = count;
    this.lastAt = now;
    const p99 = count === 0 ? "-" : formatLatency(snapshot.p99Us);
    const errors = count === 0 ? "0" : `${formatCount(snapshot.failed)} (${formatPercent(snapshot.failed / count)})`;
    // Behind by more than a timer tick or two: the generator is the limit right now, or the server when the calls
    // due are waiting for --max-in-flight calls to end.
    const who = snapshot.atCap ? "SERVER" : "GENERATOR";
    const behind = snapshot.behindMs >= BEHIND_SHOWN_MS ? `  ${who} ${formatLatency(snapshot.behindMs * 1000)} BEHIND` : "";
    return `${elapsedS}s  ${rate} calls/s  p99 ${p99}  errors ${errors}${behind}`;
  }

  /** Erases the line so the final table starts clean. */
  clear(): void {
    if (this.shown) this.stream.write("\r\u001b[K");
    this.shown = false;
  }
}
