/** Merges the per-thread results into one: counts summed, histograms added, per-second series summed. */
import { type Histogram, mergeEncodedHistograms } from "./histogram.js";
import type { ThreadResult } from "./load-recorder.js";
import type { RetryCounts } from "../client/retry/stats.js";

export interface MergedResults {
  readonly ok: number;
  readonly failed: number;
  readonly unfinished: number;
  readonly failuresByCode: ReadonlyMap<number, number>;
  /** The longest thread's measured window (threads run side by side). */
  readonly elapsedMs: number;
  readonly corrected: Histogram;
  readonly service: Histogram;
  readonly maxSendLagUs: number;
  readonly sendLag: Histogram;
  readonly late: number;
  readonly held: number;
  readonly scheduled: number;
  readonly unsent: number;
  readonly dropped: number;
  readonly scheduledPerSecond: readonly number[];
  readonly okPerSecond: readonly number[];
  readonly failedPerSecond: readonly number[];
  /** Process CPU over the union of the threads' windows, microseconds. */
  readonly cpuUserUs: number;
  readonly cpuSystemUs: number;
  /** Retries, hedges and transparent retries, summed over the threads. */
  readonly retries: RetryCounts;
}

export function mergeResults(results: readonly ThreadResult[]): MergedResults {
  const failuresByCode = new Map<number, number>();
  let ok = 0;
  let failed = 0;
  let unfinished = 0;
  let elapsedMs = 0;
  let maxSendLagUs = 0;
  let late = 0;
  let held = 0;
  let scheduled = 0;
  let unsent = 0;
  let dropped = 0;
  const scheduledPerSecond: number[] = [];
  const okPerSecond: number[] = [];
  const failedPerSecond: number[] = [];
  for (const result of results) {
    ok += result.ok;
    failed += result.failed;
    unfinished += result.unfinished;
    elapsedMs = Math.max(elapsedMs, result.elapsedMs);
    maxSendLagUs = Math.max(maxSendLagUs, result.maxSendLagUs);
    late += result.late;
    held += result.held;
    scheduled += result.scheduled;
    unsent += result.unsent;
    dropped += result.dropped;
    addSeries(scheduledPerSecond, result.scheduledPerSecond);
    for (const [code, count] of Object.entries(result.failuresByCode)) {
      failuresByCode.set(Number(code), (failuresByCode.get(Number(code)) ?? 0) + count);
    }
    addSeries(okPerSecond, result.okPerSecond);
    addSeries(failedPerSecond, result.failedPerSecond);
  }
  // The CPU counters are process-wide and only grow: the earliest start and latest end bound every window.
  const cpuUserUs = spread(results.map((r) => r.cpuStart.user), results.map((r) => r.cpuEnd.user));
  const cpuSystemUs = spread(results.map((r) => r.cpuStart.system), results.map((r) => r.cpuEnd.system));
  return {
    ok,
    failed,
    unfinished,
    failuresByCode,
    elapsedMs,
    corrected: mergeEncodedHistograms(results.map((r) => r.correctedHistogram)),
    service: mergeEncodedHistograms(results.map((r) => r.serviceHistogram)),
    maxSendLagUs,
    sendLag: mergeEncodedHistograms(results.map((r) => r.sendLagHistogram)),
    late,
    held,
    scheduled,
    unsent,
    dropped,
    scheduledPerSecond,
    okPerSecond,
    failedPerSecond,
    cpuUserUs,
    cpuSystemUs,
    retries: sumRetries(results),
  };
}

function addSeries(into: number[], series: readonly number[]): void {
  for (let i = 0; i < series.length; i++) into[i] = (into[i] ?? 0) + (series[i] ?? 0);
}

function spread(starts: readonly number[], ends: readonly number[]): number {
  if (starts.length === 0) return 0;
  return Math.max(0, Math.max(...ends) - Math.min(...starts));
}

function sumRetries(results: readonly ThreadResult[]): RetryCounts {
  let retries = 0;
  let hedges = 0;
  let transparentRetries = 0;
  for (const result of results) {
    retries += result.retries?.retries ?? 0;
    hedges += result.retries?.hedges ?? 0;
    transparentRetries += result.retries?.transparentRetries ?? 0;
  }
  return { retries, hedges, transparentRetries };
}
