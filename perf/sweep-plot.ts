/**
 * Draws the payload-size sweep of docs/benchmarks.md (section 8's table, as `perf/compare/run.sh --sizes` measured
 * it) as SVG line charts: requests/s and MB/s against payload size, one chart per scenario, log scales, one line
 * per server. Reads the markdown table so the plot can never disagree with the figures beside it.
 *
 *   node dist/perf/sweep-plot.js docs/benchmarks.md docs/images     # writes sweep-<scenario>-{rate,bytes}.svg
 *   node dist/perf/sweep-plot.js docs/benchmarks.md docs/images "## 13." sweep-s6   # the first table after that
 *                                                                   # heading, to sweep-s6-<scenario>-*.svg
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { type Axis, type Series, lineChart } from "../src/loadgen/svg-chart.js";

const [docPath = "docs/benchmarks.md", outDir = "docs/images", afterHeading = "", filePrefix = "sweep"] = process.argv.slice(2);
const HEADER = "| payload | scenario | fastgrpc req/s | raw node:http2 req/s | C++ gRPC req/s |";
const SERVERS = [
  { label: "fastgrpc", color: "#d62728" },
  { label: "raw node:http2", color: "#1f77b4" },
  { label: "C++ gRPC", color: "#2ca02c" },
  { label: "@grpc/grpc-js", color: "#9467bd" },
] as const;
/** Tables before session 10 have no grpc-js column: it is drawn only when the header names it. */
const HEADER_WITH_GRPC_JS = `${HEADER} grpc-js req/s |`;

function bytesOf(text: string): number {
  const match = /^([\d.]+)\s*(B|KiB|MiB)$/.exec(text.trim());
  if (match === null) throw new Error(`payload "${text}" is not N B, N KiB or N MiB`);
  const unit = match[2] === "MiB" ? 1 << 20 : match[2] === "KiB" ? 1 << 10 : 1;
  return Number(match[1]) * unit;
}

function sizeLabel(bytes: number): string {
  return bytes >= 1 << 20 ? `${bytes / (1 << 20)} MiB` : bytes >= 1024 ? `${bytes / 1024} KiB` : `${bytes} B`;
}

/** Powers of ten between the data's extremes, labelled with `format`. */
function logTicks(min: number, max: number, format: (value: number) => string): Axis["ticks"] {
  const ticks: Array<[number, string]> = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push([e, format(10 ** e)]);
  return ticks;
}

const lines = readFileSync(docPath, "utf8").split("\n");
const from = afterHeading === "" ? 0 : lines.findIndex((line) => line.startsWith(afterHeading));
if (from < 0) throw new Error(`no line starting "${afterHeading}" in ${docPath}`);
const start = lines.findIndex((line, i) => i >= from && line.startsWith(HEADER));
if (start < 0) throw new Error(`no sweep table (a row starting "${HEADER}") in ${docPath}`);
const servers = SERVERS.slice(0, lines[start]?.startsWith(HEADER_WITH_GRPC_JS) === true ? 4 : 3);
const rows: Array<{ bytes: number; scenario: string; rates: number[] }> = [];
for (const line of lines.slice(start + 2)) {
  if (!line.startsWith("|")) break;
  const cells = line.split("|").slice(1, -1).map((cell) => cell.trim());
  const [payload = "", scenario = "", ...rest] = cells;
  // "-" (no run answered) parses as NaN and is left out like a 0.
  const rates = rest.slice(0, servers.length).map((cell) => Number(cell.replaceAll(",", "")) || 0);
  rows.push({ bytes: bytesOf(payload), scenario, rates });
}

mkdirSync(outDir, { recursive: true });
for (const scenario of [...new Set(rows.map((row) => row.scenario))]) {
  const mine = rows.filter((row) => row.scenario === scenario);
  const sizes = mine.map((row) => row.bytes);
  const x: Axis = {
    min: Math.log2(Math.min(...sizes)),
    max: Math.log2(Math.max(...sizes)),
    ticks: sizes.map((bytes) => [Math.log2(bytes), sizeLabel(bytes)] as const),
    title: "payload size (log scale)",
  };
  for (const metric of ["rate", "bytes"] as const) {
    const value = (row: (typeof mine)[number], i: number) => (row.rates[i] ?? 0) * (metric === "bytes" ? row.bytes / 1e6 : 1);
    const series: Series[] = servers.map((server, i) => ({
      label: server.label,
      color: server.color,
      points: mine.filter((row) => value(row, i) > 0).map((row) => [Math.log2(row.bytes), Math.log10(value(row, i))] as const),
    }));
    const all = mine.flatMap((row) => servers.map((_, i) => value(row, i))).filter((v) => v > 0);
    const low = Math.floor(Math.log10(Math.min(...all)));
    const high = Math.ceil(Math.log10(Math.max(...all)));
    const y: Axis = {
      min: low,
      max: high,
      ticks: logTicks(10 ** low, 10 ** high, (v) => (v >= 1000 ? `${v / 1000}K` : String(v))),
      title: metric === "rate" ? "requests/s (log scale)" : "MB/s of payload (log scale)",
    };
    const title = `${scenario}: ${metric === "rate" ? "requests/s" : "MB/s"} against payload size`;
    const file = join(outDir, `${filePrefix}-${scenario}-${metric}.svg`);
    writeFileSync(file, `${lineChart(title, x, y, series)}\n`);
    console.log(`wrote ${file}`);
  }
}
