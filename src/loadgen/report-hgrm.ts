/**
 * HdrHistogram's percentile distribution text (.hgrm, as wrk2 and HdrHistogram's own tools print it): the format
 * HdrHistogram's plotter and most latency-comparison scripts read. Values in milliseconds.
 */
import { decodeHistogram } from "./histogram.js";
import type { BenchReport } from "./report.js";

const TICKS_PER_HALF_DISTANCE = 5;
const MICROSECONDS_PER_MILLISECOND = 1000;

/** The .hgrm text of one of the report's histograms. */
export function renderHgrm(report: BenchReport, which: "corrected" | "service"): string {
  const histogram = decodeHistogram(report.histograms[which]);
  return histogram.outputPercentileDistribution(TICKS_PER_HALF_DISTANCE, MICROSECONDS_PER_MILLISECOND);
}

/** The files --hgrm FILE writes: FILE (the corrected latency in the open loop), and FILE's ".service" sibling. */
export function hgrmFiles(file: string, report: BenchReport): Array<{ file: string; which: "corrected" | "service" }> {
  if (report.mode === "closed") return [{ file, which: "service" }];
  const dot = file.lastIndexOf(".");
  const service = dot > file.lastIndexOf("/") ? `${file.slice(0, dot)}.service${file.slice(dot)}` : `${file}.service`;
  return [{ file, which: "corrected" }, { file: service, which: "service" }];
}
