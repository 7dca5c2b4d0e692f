/**
 * The --html page: one self-contained file (inline SVG and CSS, no script, no network) with the latency percentile
 * curves on the HdrHistogram log axis up to p99.99 and the calls ended per second, so a stall shows as a cliff.
 */
import { formatDuration } from "./duration.js";
import { formatCount, formatLatency, formatPercent, formatRate } from "./format.js";
import type { CurvePoint, LatencySummary } from "./histogram.js";
import type { BenchReport } from "./report.js";
import { describeLoad, invalidLatencyWarning } from "./report-text.js";
import { type Series, barChart, escapeXml, lineChart, niceTicks } from "./svg-chart.js";

const CORRECTED_COLOR = "#d62728";
const SERVICE_COLOR = "#1f77b4";
const FAILED_COLOR = "#ff7f0e";
const PERCENTILE_TICKS: ReadonlyArray<readonly [number, string]> = [
  [0, "p0"],
  [1, "p90"],
  [2, "p99"],
  [3, "p99.9"],
  [4, "p99.99"],
];

export function renderHtml(report: BenchReport): string {
  const title = `fastgrpc-bench ${report.call.path}`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<style>
body{font-family:sans-serif;margin:2em;color:#222;max-width:820px}
table{border-collapse:collapse;margin:1em 0}td,th{padding:3px 10px;text-align:right;border-bottom:1px solid #eee}
th:first-child,td:first-child{text-align:left}h2{margin-top:1.6em;font-size:1.1em}.note{color:#666;font-size:.9em}
</style></head><body>
<h1>${escapeXml(title)}</h1>
<p>${escapeXml(report.options.target)} · ${escapeXml(describeLoad(report))} · ${escapeXml(report.date)}</p>
${invalidBanner(report)}${summaryTable(report)}
<h2>Latency by percentile</h2>
${percentileChart(report)}
<p class="note">${
    report.mode === "open"
      ? "Corrected: timed from each call's scheduled send time, so a stall that delayed sending is charged to every call it delayed (coordinated omission corrected). Service: timed from the actual send."
      : "Closed loop: each call is timed from its send; a stall delays the next sends instead of showing in these times — use --rate for the corrected view."
  }</p>
${latencyTable(report)}
<h2>Calls ended per second</h2>
${rateChart(report)}
${offeredChart(report)}
<h2>Options</h2>
<pre>${escapeXml(JSON.stringify(report.options, null, 2))}</pre>
</body></html>
`;
}

function invalidBanner(report: BenchReport): string {
  const lines = invalidLatencyWarning(report);
  if (lines.length === 0) return "";
  return `<p style="border:2px solid ${CORRECTED_COLOR};padding:.6em;font-weight:bold">${escapeXml(lines.join(" "))}</p>\n`;
}

function summaryTable(report: BenchReport): string {
  const failures = Object.entries(report.statusCodes).filter(([name]) => name !== "OK");
  const rows: Array<[string, string]> = [
    ["calls ended", `${formatCount(report.count)} (${formatCount(report.ok)} OK, ${formatCount(report.failed)} failed, ${formatPercent(report.errorRate)})`],
    ["achieved rate", `${formatRate(report.achievedRate)} calls/s over ${formatDuration(report.elapsedMs)}`],
    ["offered rate", report.offeredRate === null ? "closed loop" : `${formatRate(report.offeredRate)} calls/s`],
    ["client CPU", `${report.cpu.cores.toFixed(2)} cores, ${report.cpu.perCallUs.toFixed(1)} us per call`],
  ];
  const lag = report.generatorLag;
  if (lag !== null && lag !== undefined) {
    rows.push([
      "send lag",
      `p50 ${formatLatency(lag.p50Us)}, p99 ${formatLatency(lag.p99Us)}, max ${formatLatency(lag.maxUs)}; ` +
        `${formatCount(lag.late)} calls more than ${lag.thresholdMs} ms late, ${formatCount(lag.unsent)} due never sent` +
        // Reports written before these counts existed lack them.
        (lag.held > 0 ? `, ${formatCount(lag.held)} waited at --max-in-flight` : "") +
        (lag.dropped > 0 ? `, ${formatCount(lag.dropped)} never sent past --max-in-flight` : ""),
    ]);
  }
  if (report.unfinished > 0) rows.push(["unanswered at the end", formatCount(report.unfinished)]);
  if (failures.length > 0) rows.push(["failures", failures.map(([name, n]) => `${name} ${formatCount(n)}`).join(", ")]);
  return `<table>${rows.map(([k, v]) => `<tr><td>${escapeXml(k)}</td><td>${escapeXml(v)}</td></tr>`).join("")}</table>`;
}

function latencyTable(report: BenchReport): string {
  const columns: ReadonlyArray<[string, (s: LatencySummary) => number]> = [
    ["min", (s) => s.minUs],
    ["p50", (s) => s.p50Us],
    ["p90", (s) => s.p90Us],
    ["p99", (s) => s.p99Us],
    ["p99.9", (s) => s.p999Us],
    ["p99.99", (s) => s.p9999Us],
    ["max", (s) => s.maxUs],
  ];
  const rows: Array<[string, LatencySummary]> =
    report.mode === "open"
      ? [["corrected", report.latency.corrected], ["service", report.latency.service]]
      : [["per call", report.latency.service]];
  const head = `<tr><th></th>${columns.map(([name]) => `<th>${name}</th>`).join("")}</tr>`;
  const body = rows
    .map(([name, s]) => `<tr><td>${name}</td>${columns.map(([, pick]) => `<td>${escapeXml(formatLatency(pick(s)))}</td>`).join("")}</tr>`)
    .join("");
  return `<table>${head}${body}</table>`;
}

function percentileChart(report: BenchReport): string {
  const curves: Array<[string, string, CurvePoint[]]> =
    report.mode === "open"
      ? [
          ["corrected (from scheduled send)", CORRECTED_COLOR, report.percentileCurves.corrected],
          ["service time (from actual send)", SERVICE_COLOR, report.percentileCurves.service],
        ]
      : [["latency", SERVICE_COLOR, report.percentileCurves.service]];
  const maxUs = Math.max(1, ...curves.flatMap(([, , points]) => points.map((p) => p.us)));
  const series: Series[] = curves.map(([label, color, points]) => ({
    label,
    color,
    points: points.map((p) => [Math.log10(100 / Math.max(100 - p.percentile, 0.01)), p.us / 1000] as const),
  }));
  const yTicks = niceTicks(maxUs / 1000, (v) => formatLatency(v * 1000));
  const yMax = yTicks[yTicks.length - 1]?.[0] ?? maxUs / 1000;
  return lineChart(
    "latency by percentile",
    { min: 0, max: 4, ticks: PERCENTILE_TICKS, title: "percentile (log scale)" },
    { min: 0, max: yMax, ticks: yTicks, title: "latency" },
    series,
  );
}

/** Calls per second, bar by bar; the last second is usually partial, so each bar is its count over its length. */
function rateChart(report: BenchReport): string {
  return perSecondChart(report, "calls ended per second", [
    { label: "OK", color: SERVICE_COLOR, counts: report.perSecond.ok },
    { label: "failed", color: FAILED_COLOR, counts: report.perSecond.failed },
  ]);
}

/** Open loop: the calls the schedule put in each second (the offered rate over time, steps and ramps included). */
function offeredChart(report: BenchReport): string {
  if (report.mode !== "open") return "";
  const chart = perSecondChart(report, "calls due per second", [{ label: "scheduled", color: CORRECTED_COLOR, counts: report.perSecond.scheduled }]);
  return `<h2>Calls due per second (offered)</h2>\n${chart}`;
}

function perSecondChart(
  report: BenchReport,
  title: string,
  series: ReadonlyArray<{ label: string; color: string; counts: readonly number[] }>,
): string {
  const buckets = Math.max(1, ...series.map((s) => s.counts.length));
  const lengthOf = (i: number) => Math.min(1, Math.max(0.001, (report.elapsedMs - i * 1000) / 1000));
  const toBars = (counts: readonly number[]) => counts.map((n, i) => ({ x: i, width: lengthOf(i), value: n / lengthOf(i) }));
  const bars = series.map((s) => ({ label: s.label, color: s.color, bars: toBars(s.counts) }));
  const maxRate = Math.max(1, ...Array.from({ length: buckets }, (_, i) => bars.reduce((sum, s) => sum + (s.bars[i]?.value ?? 0), 0)));
  const yTicks = niceTicks(maxRate, (v) => formatCount(v));
  const span = Math.max(report.elapsedMs / 1000, buckets - 1 + lengthOf(buckets - 1));
  const step = Math.max(1, Math.ceil(span / 10));
  const xTicks: Array<[number, string]> = [];
  for (let s = 0; s <= span; s += step) xTicks.push([s, `${s}s`]);
  return barChart(
    title,
    { min: 0, max: span, ticks: xTicks, title: "second of the measured window" },
    { min: 0, max: yTicks[yTicks.length - 1]?.[0] ?? maxRate, ticks: yTicks, title: "calls/s" },
    bars,
  );
}
