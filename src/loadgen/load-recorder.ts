/**
 * What one load thread measures: latency histograms (microseconds), counts by status code and a per-second series,
 * all relative to the start of the measured window. Recording an OK call allocates nothing.
 */
import type { RetryCounts } from "../client/retry/stats.js";
import { createLatencyHistogram, encodeHistogram, type Histogram } from "./histogram.js";

/** A thread's measurements in a form that crosses worker_threads (structured clone) and merges. */
export interface ThreadResult {
  /** Retries, hedges and transparent retries the thread's client made during the run (warm-up included). */
  readonly retries?: RetryCounts;
  readonly mode: "closed" | "open";
  /** Calls started (or scheduled) in the measured window and finished. */
  readonly ok: number;
  readonly failed: number;
  /** Failed calls by gRPC status code (number, as a string key). */
  readonly failuresByCode: Readonly<Record<string, number>>;
  /** Calls of the measured window still unanswered when the run gave up waiting. */
  readonly unfinished: number;
  /** From the start of the measured window to its end (the last send, or the last answer if later). */
  readonly elapsedMs: number;
  /** Encoded histograms of OK calls: from the scheduled send time, and from the actual send. */
  readonly correctedHistogram: string;
  readonly serviceHistogram: string;
  /** Open loop: how late the generator itself sent calls (actual minus scheduled), at most. */
  readonly maxSendLagUs: number;
  /** Open loop: encoded histogram of every measured call's send lag (actual minus scheduled send), microseconds. */
  readonly sendLagHistogram: string;
  /** Open loop: measured calls sent more than the lag threshold late by the generator (not counting `held`). */
  readonly late: number;
  /** Open loop: measured calls that waited for a free slot at --max-in-flight (the wait is in their corrected latency). */
  readonly held: number;
  /** Open loop: calls scheduled in the measured window and sent. */
  readonly scheduled: number;
  /** Open loop: calls the schedule put in the measured window that the generator, behind, never sent. */
  readonly unsent: number;
  /** Open loop: calls of the measured window never sent because --max-in-flight calls were still in flight at its end. */
  readonly dropped: number;
  /** Open loop: calls scheduled in each second of the measured window (the offered rate over time). */
  readonly scheduledPerSecond: readonly number[];
  /** Calls finished in each second of the measured window (by finish time). */
  readonly okPerSecond: readonly number[];
  readonly failedPerSecond: readonly number[];
  /** process.cpuUsage() at the start and end of the measured window (process-wide, microseconds). */
  readonly cpuStart: NodeJS.CpuUsage;
  readonly cpuEnd: NodeJS.CpuUsage;
}

export class LoadRecorder {
  readonly corrected: Histogram = createLatencyHistogram();
  readonly service: Histogram = createLatencyHistogram();
  readonly sendLag: Histogram = createLatencyHistogram();
  ok = 0;
  failed = 0;
  late = 0;
  held = 0;
  maxSendLagMs = 0;
  private scheduledCount = 0;
  private readonly scheduledPerSecond: number[] = [];
  private readonly failures = new Map<number, number>();
  private readonly okPerSecond: number[] = [];
  private readonly failedPerSecond: number[] = [];

  constructor(
    private readonly open: boolean,
    /** The measured window's start, performance.now() clock. */
    readonly windowStart: number,
    /** Open loop: a send later than this (ms) is late. */
    private readonly maxLagMs: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Open loop: a call due at `dueAt` (inside the measured window) is being sent. */
  scheduled(dueAt: number): void {
    this.scheduledCount++;
    bump(this.scheduledPerSecond, Math.floor((dueAt - this.windowStart) / 1000));
  }

  /**
   * Times are performance.now() milliseconds. `held`: the call waited at the in-flight cap, so a late send is the
   * server's doing, not the generator's. A call sent ahead of its time is timed from its send, so a latency is never
   * reported shorter than the real one.
   */
  record(scheduledAt: number, sentAt: number, endedAt: number, code: number, held = false): void {
    const second = Math.floor((endedAt - this.windowStart) / 1000);
    const startedAt = sentAt < scheduledAt ? sentAt : scheduledAt;
    if (this.open) {
      const lag = sentAt - startedAt;
      this.sendLag.recordValue(Math.round(lag * 1000));
      if (lag > this.maxSendLagMs) this.maxSendLagMs = lag;
      if (held) this.held++;
      else if (lag > this.maxLagMs) this.late++;
    }
    if (code === 0) {
      this.ok++;
      bump(this.okPerSecond, second);
      this.service.recordValue(Math.round((endedAt - sentAt) * 1000));
      if (this.open) this.corrected.recordValue(Math.round((endedAt - startedAt) * 1000));
    } else {
      this.failed++;
      bump(this.failedPerSecond, second);
      this.failures.set(code, (this.failures.get(code) ?? 0) + 1);
    }
  }

  /** The histogram a reader should look at: corrected for the open loop, service time for the closed loop. */
  get primary(): Histogram {
    return this.open ? this.corrected : this.service;
  }

  /** `unsent`: due calls the generator never got to; `dropped`: due calls the in-flight cap kept back to the end. */
  result(elapsedMs: number, unfinished: number, cpuStart: NodeJS.CpuUsage, cpuEnd: NodeJS.CpuUsage, unsent = 0, dropped = 0): ThreadResult {
    const failuresByCode: Record<string, number> = {};
    for (const [code, count] of this.failures) failuresByCode[String(code)] = count;
    const serviceHistogram = encodeHistogram(this.service);
    return {
      mode: this.open ? "open" : "closed",
      ok: this.ok,
      failed: this.failed,
      failuresByCode,
      unfinished,
      elapsedMs,
      // In the closed loop every call is sent when it is due, so both clocks agree.
      correctedHistogram: this.open ? encodeHistogram(this.corrected) : serviceHistogram,
      serviceHistogram,
      maxSendLagUs: Math.round(this.maxSendLagMs * 1000),
      sendLagHistogram: encodeHistogram(this.sendLag),
      late: this.late,
      held: this.held,
      scheduled: this.scheduledCount,
      unsent,
      dropped,
      scheduledPerSecond: this.scheduledPerSecond.slice(),
      okPerSecond: this.okPerSecond.slice(),
      failedPerSecond: this.failedPerSecond.slice(),
      cpuStart,
      cpuEnd,
    };
  }
}

function bump(series: number[], index: number): void {
  if (index < 0) return;
  while (series.length <= index) series.push(0);
  series[index] = (series[index] ?? 0) + 1;
}

