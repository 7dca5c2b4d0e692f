/**
 * --compare A.json B.json: two runs' reports side by side, with B's change against A for every figure, so a
 * before/after of a server change reads at a glance.
 */
import { readFile } from "node:fs/promises";
import { formatCount, formatLatency, formatPercent, formatRate } from "./format.js";
import type { LatencySummary } from "./histogram.js";
import { BenchRuntimeError } from "./probe.js";
import type { BenchReport } from "./report.js";

type Row = [label: string, a: number, b: number, show: (value: number) => string];

const PERCENTILES: ReadonlyArray<[string, (s: LatencySummary) => number]> = [
  ["p50", (s) => s.p50Us],
  ["p90", (s) => s.p90Us],
  ["p99", (s) => s.p99Us],
  ["p99.9", (s) => s.p999Us],
  ["p99.99", (s) => s.p9999Us],
  ["max", (s) => s.maxUs],
];

export async function readReport(file: string): Promise<BenchReport> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new BenchRuntimeError(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  let report: unknown;
  try {
    report = JSON.parse(text);
  } catch {
    throw new BenchRuntimeError(`${file} is not JSON`);
  }
  if (!isReport(report)) throw new BenchRuntimeError(`${file} is not a fastgrpc-bench --json report`);
  return report;
}

function isReport(value: unknown): value is BenchReport {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Partial<BenchReport>;
  return r.tool === "fastgrpc-bench" && typeof r.achievedRate === "number" && typeof r.latency?.service?.p50Us === "number" &&
    typeof r.cpu?.perCallUs === "number";
}

export function renderComparison(a: BenchReport, b: BenchReport, names: [string, string] = ["A", "B"]): string {
  const rows: Row[] = [
    ["achieved calls/s", a.achievedRate, b.achievedRate, formatRate],
    ["calls ended", a.count, b.count, formatCount],
    ["failed", a.failed, b.failed, formatCount],
    ["error rate", a.errorRate, b.errorRate, formatPercent],
    ["client CPU us/call", a.cpu.perCallUs, b.cpu.perCallUs, (v) => v.toFixed(1)],
    ["client cores", a.cpu.cores, b.cpu.cores, (v) => v.toFixed(2)],
  ];
  // Both open loops: the corrected latency is the one that counts; compare service time as well.
  const open = a.mode === "open" && b.mode === "open";
  const kinds: Array<["corrected" | "service", string]> = open ? [["corrected", "corrected"], ["service", "service"]] : [["service", "latency"]];
  for (const [kind, label] of kinds) {
    for (const [name, pick] of PERCENTILES) rows.push([`${label} ${name}`, pick(a.latency[kind]), pick(b.latency[kind]), formatLatency]);
  }
  const table: string[][] = [["", names[0], names[1], "change"]];
  for (const [label, x, y, show] of rows) table.push([label, show(x), show(y), change(x, y)]);
  const lines = [
    `A: ${names[0]}  ${describe(a)}`,
    `B: ${names[1]}  ${describe(b)}`,
    "",
    ...align(table).map((line) => `  ${line}`),
  ];
  for (const [name, report] of [[names[0], a], [names[1], b]] as const) {
    if (report.latencyValid === false) lines.push(`  ${name}: LATENCY INVALID (the generator fell behind its schedule)`);
  }
  if (a.mode !== b.mode) lines.push("  the runs used different loops (open and closed): their latencies measure different things");
  return `${lines.join("\n")}\n`;
}

/** "+12.3%", "-4.0%", "=" or "new" (from zero). */
export function change(a: number, b: number): string {
  if (a === b) return "=";
  if (a === 0) return "new";
  const percent = ((b - a) / a) * 100;
  return `${percent > 0 ? "+" : ""}${percent.toFixed(1)}%`;
}

function describe(report: BenchReport): string {
  const load = report.mode === "open" ? `open loop, offered ${formatRate(report.offeredRate ?? 0)}/s` : `closed loop, ${report.options.concurrency} in flight`;
  return `${report.call.path} on ${report.options.target}, ${load}, ${report.date}`;
}

function align(rows: readonly string[][]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0))).join("  "));
}
