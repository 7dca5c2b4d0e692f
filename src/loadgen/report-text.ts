/** The final human-readable table (stdout). */
import { formatDuration } from "./duration.js";
import { formatCount, formatLatency, formatPercent, formatRate } from "./format.js";
import type { LatencySummary } from "./histogram.js";
import { describeSchedule } from "./rate-schedule.js";
import { type BenchReport, MAX_LATE_FRACTION } from "./report.js";

const COLUMNS: ReadonlyArray<[string, (s: LatencySummary) => number]> = [
  ["min", (s) => s.minUs],
  ["p50", (s) => s.p50Us],
  ["p90", (s) => s.p90Us],
  ["p95", (s) => s.p95Us],
  ["p99", (s) => s.p99Us],
  ["p99.9", (s) => s.p999Us],
  ["max", (s) => s.maxUs],
  ["mean", (s) => s.meanUs],
];

export function renderTable(report: BenchReport): string {
  const o = report.options;
  const lines: string[] = [];
  lines.push(`fastgrpc-bench ${report.call.path} on ${o.target}`);
  lines.push(`  ${describeLoad(report)}`);
  lines.push("");
  lines.push(
    `  calls      ${formatCount(report.count)} ended: ${formatCount(report.ok)} OK, ${formatCount(report.failed)} failed` +
      ` (${formatPercent(report.errorRate)})` +
      (report.unfinished > 0 ? `; ${formatCount(report.unfinished)} unanswered at the end` : ""),
  );
  const offered = report.offeredRate === null ? "closed loop" : `offered ${formatRate(report.offeredRate)}/s`;
  lines.push(`  rate       ${formatRate(report.achievedRate)} calls/s achieved (${offered}) over ${formatDuration(report.elapsedMs)}`);
  lines.push(
    `  client CPU ${formatDuration(report.cpu.userMs + report.cpu.systemMs)} user+sys = ${report.cpu.cores.toFixed(2)} cores,` +
      ` ${report.cpu.perCallUs.toFixed(1)} us per call`,
  );
  lines.push("");
  const rows: string[][] = [["latency", ...COLUMNS.map(([name]) => name)]];
  if (report.mode === "open") {
    rows.push(["corrected", ...COLUMNS.map(([, pick]) => formatLatency(pick(report.latency.corrected)))]);
    rows.push(["service", ...COLUMNS.map(([, pick]) => formatLatency(pick(report.latency.service)))]);
  } else {
    rows.push(["per call", ...COLUMNS.map(([, pick]) => formatLatency(pick(report.latency.service)))]);
  }
  lines.push(...alignColumns(rows).map((row) => `  ${row}`));
  const lag = report.generatorLag;
  if (lag !== null) {
    lines.push("  (corrected: from the scheduled send time, stalls included; service: from the actual send)");
    lines.push(
      `  send lag   p50 ${formatLatency(lag.p50Us)}, p99 ${formatLatency(lag.p99Us)}, max ${formatLatency(lag.maxUs)};` +
        ` ${formatCount(lag.late)} calls sent more than ${lag.thresholdMs} ms late` +
        (lag.unsent > 0 ? `, ${formatCount(lag.unsent)} due never sent` : "") +
        (lag.held > 0 ? `, ${formatCount(lag.held)} waited at --max-in-flight` : "") +
        (lag.dropped > 0 ? `, ${formatCount(lag.dropped)} never sent past --max-in-flight` : ""),
    );
    if (!report.latencyValid) lines.push(...invalidLatencyWarning(report).map((line) => `  ${line}`));
  }
  const failures = Object.entries(report.statusCodes).filter(([name]) => name !== "OK");
  if (failures.length > 0) {
    lines.push("");
    lines.push(`  failures   ${failures.map(([name, n]) => `${name} ${formatCount(n)}`).join(", ")}`);
  }
  const retries = report.retries;
  if (retries !== undefined) {
    lines.push(`  retries    ${formatCount(retries.retries)} retried, ${formatCount(retries.hedges)} hedged, ${formatCount(retries.transparentRetries)} transparent (attempts beyond the first; a call counts once above)`);
  }
  if (report.maxErrorRateExceeded && o.maxErrorRate !== undefined) {
    lines.push(`  error rate ${formatPercent(report.errorRate)} exceeds --max-error-rate ${formatPercent(o.maxErrorRate)}`);
  }
  return `${lines.join("\n")}\n`;
}

/** Why the corrected latency of an open loop that fell behind must not be read as the server's. */
export function invalidLatencyWarning(report: BenchReport): string[] {
  const lag = report.generatorLag;
  if (lag === null || report.latencyValid) return [];
  if (lag.dropped > 0 && lag.lateFraction <= MAX_LATE_FRACTION) {
    return [
      `LATENCY INVALID: ${formatCount(lag.dropped)} calls were not sent because ${formatCount(lag.maxInFlight)} were`,
      "in flight (--max-in-flight) until the end: the server did not keep up with --rate, and the latency leaves out",
      "the calls that would have waited longest. Lower --rate, or raise --connections or --max-in-flight if the server allows.",
    ];
  }
  return [
    `LATENCY INVALID: the generator fell behind its schedule (${formatPercent(lag.lateFraction)} of the calls due were`,
    `sent more than ${lag.thresholdMs} ms late or never, up to ${formatLatency(lag.maxUs)} late): the corrected latency is`,
    "the generator's backlog, not the server's. Lower --rate or add --threads.",
  ];
}

export function describeLoad(report: BenchReport): string {
  const o = report.options;
  const load =
    o.mode === "open"
      ? `open loop at ${o.rateSchedule === undefined ? `${formatRate(o.rate ?? 0)} calls/s` : describeSchedule(o.rateSchedule)}`
      : `closed loop, ${o.concurrency} in flight`;
  const extent = o.requests !== undefined ? `${formatCount(o.requests)} calls` : formatDuration(o.durationMs ?? 0);
  const what =
    o.call !== undefined
      ? `${(report.call.kind ?? "unary").replace("_", " ")} ${o.call} (${report.call.requestBytes} B request)`
      : o.service === "sign"
        ? `sign ${o.algorithm ?? ""} (${o.payloadBytes} B)`
        : `echo ${o.payloadBytes} B`;
  return (
    `${what}, ${load}, ${plural(o.connections, "connection")}, ${plural(o.threads, "thread")}, ` +
    `${extent} after ${formatDuration(o.warmupMs)} warm-up`
  );
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function alignColumns(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
}
