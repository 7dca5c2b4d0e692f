/**
 * The report of a run: everything the table, the JSON file and the HTML page show, in one JSON-able object (its
 * shape is the JSON file's schema, outlined in docs/bench.md; ghz's JSON report was the model).
 */
import { codeName } from "../errors/codes.js";
import { type CurvePoint, encodeHistogram, type LatencySummary, percentileCurve, summarize } from "./histogram.js";
import type { MethodKind } from "./call-spec.js";
import type { MergedResults } from "./merge.js";
import type { RetryCounts } from "../client/retry/stats.js";
import type { BenchOptions } from "./options.js";
import { callsDue, isConstant } from "./rate-schedule.js";

/** Open loop: latency is reported invalid when more than this share of the calls were sent late by the generator. */
export const MAX_LATE_FRACTION = 0.01;

export interface GeneratorLag {
  /** Send lag (actual minus scheduled send) of the measured calls, microseconds. */
  readonly p50Us: number;
  readonly p99Us: number;
  readonly maxUs: number;
  /** The threshold (--max-lag) and the calls the generator sent later than it (held calls not counted). */
  readonly thresholdMs: number;
  readonly late: number;
  /** Calls that waited for a free slot at --max-in-flight (the server was behind); the wait is in their latency. */
  readonly held: number;
  /** Calls of the measured window the generator never sent (it was still behind when the window closed). */
  readonly unsent: number;
  /** (late + unsent) / (ended + unsent). */
  readonly lateFraction: number;
  /** Calls still waiting at --max-in-flight when the window closed, never sent (the server did not keep up). */
  readonly dropped: number;
  readonly maxInFlight: number;
}

export interface BenchReport {
  readonly tool: "fastgrpc-bench";
  /** When the run ended, ISO 8601. */
  readonly date: string;
  readonly options: BenchOptions;
  readonly call: { readonly path: string; readonly requestBytes: number; readonly kind?: MethodKind };
  readonly mode: "closed" | "open";
  /** The measured window, warm-up excluded (ms). */
  readonly elapsedMs: number;
  /** Calls that ended in the measured window: OK + failed. */
  readonly count: number;
  readonly ok: number;
  readonly failed: number;
  /** Calls still unanswered when the run stopped waiting (counted neither OK nor failed). */
  readonly unfinished: number;
  /** failed / count (0 when nothing ran). */
  readonly errorRate: number;
  /** Calls/s asked for (open loop); null in the closed loop, which has no schedule. */
  readonly offeredRate: number | null;
  /** Calls/s that ended (OK or not). */
  readonly achievedRate: number;
  /** Calls by final status, keyed by code name ("OK", "UNAVAILABLE", ...), as ghz's statusCodeDistribution. */
  readonly statusCodes: Readonly<Record<string, number>>;
  /**
   * Latency of OK calls, microseconds. `corrected` is timed from the scheduled send (open loop: includes any wait
   * the generator or a stall imposed before the send); `service` from the actual send. In the closed loop they agree.
   */
  readonly latency: { readonly corrected: LatencySummary; readonly service: LatencySummary };
  /** Open loop: how far behind schedule the generator sent a call, at most (us); 0 in the closed loop. */
  readonly maxSendLagUs: number;
  /** Open loop: how late the generator sent calls; null in the closed loop. */
  readonly generatorLag: GeneratorLag | null;
  /**
   * False when the generator fell behind its schedule (more than MAX_LATE_FRACTION of the calls sent more than
   * --max-lag late): the corrected latency then measures the generator's backlog, not the server. False too when
   * calls due were never sent because --max-in-flight calls were still in flight: the latency leaves out the calls
   * that would have waited longest.
   */
  readonly latencyValid: boolean;
  /** The percentile curves, p0 to p99.99 on the log axis x = log10(1/(1-p)). */
  readonly percentileCurves: { readonly corrected: CurvePoint[]; readonly service: CurvePoint[] };
  /** Calls that ended in each second of the measured window. */
  /** Calls that ended in each second of the measured window; open loop: calls scheduled in each second too. */
  readonly perSecond: { readonly ok: readonly number[]; readonly failed: readonly number[]; readonly scheduled: readonly number[] };
  /** Client process CPU (all threads) during the measured window. */
  readonly cpu: {
    readonly userMs: number;
    readonly systemMs: number;
    /** CPU time / wall time: 1 = one core busy. */
    readonly cores: number;
    /** CPU time per ended call, microseconds. */
    readonly perCallUs: number;
  };
  /** HdrHistogram V2 compressed base64 (HdrHistogram's log format), for re-analysis with HdrHistogram tools. */
  readonly histograms: { readonly corrected: string; readonly service: string };
  /** Whether errorRate exceeded options.maxErrorRate. */
  readonly maxErrorRateExceeded: boolean;
  /** Attempts beyond the first (retryPolicy, hedgingPolicy, transparent retry); present only when any were made. */
  readonly retries?: RetryCounts;
}

export function buildReport(
  options: BenchOptions,
  merged: MergedResults,
  call: { path: string; requestBytes: number; kind?: MethodKind },
  endedAt: Date = new Date(),
): BenchReport {
  const count = merged.ok + merged.failed;
  const seconds = merged.elapsedMs / 1000;
  const errorRate = count === 0 ? 0 : merged.failed / count;
  const statusCodes: Record<string, number> = {};
  if (merged.ok > 0) statusCodes.OK = merged.ok;
  for (const [code, n] of [...merged.failuresByCode].sort((a, b) => b[1] - a[1])) statusCodes[codeName(code)] = n;
  const cpuUs = merged.cpuUserUs + merged.cpuSystemUs;
  const open = options.mode === "open";
  // Every call the schedule made due: answered, still in flight at the end, dropped by --max-in-flight, or never sent.
  const due = count + merged.unfinished + merged.dropped + merged.unsent;
  const lateFraction = due === 0 ? 0 : (merged.late + merged.unsent) / due;
  const generatorLag: GeneratorLag | null = open
    ? {
        p50Us: merged.sendLag.totalCount === 0 ? 0 : merged.sendLag.getValueAtPercentile(50),
        p99Us: merged.sendLag.totalCount === 0 ? 0 : merged.sendLag.getValueAtPercentile(99),
        maxUs: merged.maxSendLagUs,
        thresholdMs: options.maxLagMs,
        late: merged.late,
        held: merged.held,
        unsent: merged.unsent,
        lateFraction: round(lateFraction, 6),
        dropped: merged.dropped,
        maxInFlight: options.maxInFlight,
      }
    : null;
  return {
    tool: "fastgrpc-bench",
    date: endedAt.toISOString(),
    options,
    call,
    mode: options.mode,
    elapsedMs: round(merged.elapsedMs, 1),
    count,
    ok: merged.ok,
    failed: merged.failed,
    unfinished: merged.unfinished,
    errorRate,
    offeredRate: open ? offeredRate(options) : null,
    achievedRate: seconds > 0 ? round(count / seconds, 1) : 0,
    statusCodes,
    latency: { corrected: summarize(merged.corrected), service: summarize(merged.service) },
    maxSendLagUs: merged.maxSendLagUs,
    generatorLag,
    // Dropped calls would have had the worst latencies: without them the corrected figures are too good.
    latencyValid: !open || (lateFraction <= MAX_LATE_FRACTION && merged.dropped === 0),
    percentileCurves: { corrected: percentileCurve(merged.corrected), service: percentileCurve(merged.service) },
    perSecond: { ok: merged.okPerSecond, failed: merged.failedPerSecond, scheduled: merged.scheduledPerSecond },
    cpu: {
      userMs: round(merged.cpuUserUs / 1000, 1),
      systemMs: round(merged.cpuSystemUs / 1000, 1),
      cores: merged.elapsedMs > 0 ? round(cpuUs / 1000 / merged.elapsedMs, 3) : 0,
      perCallUs: count > 0 ? round(cpuUs / count, 2) : 0,
    },
    histograms: { corrected: encodeHistogram(merged.corrected), service: encodeHistogram(merged.service) },
    maxErrorRateExceeded: options.maxErrorRate !== undefined && errorRate > options.maxErrorRate,
    ...(retriesMade(merged.retries) ? { retries: merged.retries } : {}),
  };
}

function retriesMade(counts: RetryCounts | undefined): counts is RetryCounts {
  return counts !== undefined && counts.retries + counts.hedges + counts.transparentRetries > 0;
}

/** The mean rate asked for over the measured window (the rate itself when constant). */
function offeredRate(options: BenchOptions): number | null {
  const schedule = options.rateSchedule;
  if (schedule === undefined) return options.rate ?? null;
  if (isConstant(schedule) || options.durationMs === undefined) return schedule.start;
  return round((callsDue(schedule, options.durationMs) * 1000) / options.durationMs, 1);
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
