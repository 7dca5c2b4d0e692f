/**
 * Latency histograms: HdrHistogram with microsecond values and 3 significant digits, encoded as compressed base64
 * to cross worker_threads and to be stored in the JSON report for re-analysis.
 */
import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";

export type { Histogram };

/** One hour in microseconds; the histogram resizes itself beyond that. */
const INITIAL_HIGHEST_US = 3_600_000_000;

export function createLatencyHistogram(): Histogram {
  return build({
    bitBucketSize: 32,
    autoResize: true,
    lowestDiscernibleValue: 1,
    highestTrackableValue: INITIAL_HIGHEST_US,
    numberOfSignificantValueDigits: 3,
    useWebAssembly: false,
  });
}

export function encodeHistogram(histogram: Histogram): string {
  return encodeIntoCompressedBase64(histogram);
}

export function decodeHistogram(encoded: string): Histogram {
  return decodeFromCompressedBase64(encoded, 32, false);
}

/** Adds every encoded histogram into a fresh one. */
export function mergeEncodedHistograms(encoded: readonly string[]): Histogram {
  const merged = createLatencyHistogram();
  for (const text of encoded) merged.add(decodeHistogram(text));
  return merged;
}

export interface LatencySummary {
  readonly count: number;
  readonly minUs: number;
  readonly meanUs: number;
  readonly p50Us: number;
  readonly p90Us: number;
  readonly p95Us: number;
  readonly p99Us: number;
  readonly p999Us: number;
  readonly p9999Us: number;
  readonly maxUs: number;
  readonly stdDevUs: number;
}

export function summarize(histogram: Histogram): LatencySummary {
  const count = histogram.totalCount;
  if (count === 0) {
    return { count, minUs: 0, meanUs: 0, p50Us: 0, p90Us: 0, p95Us: 0, p99Us: 0, p999Us: 0, p9999Us: 0, maxUs: 0, stdDevUs: 0 };
  }
  return {
    count,
    minUs: histogram.minNonZeroValue === Number.MAX_SAFE_INTEGER ? 0 : histogram.minNonZeroValue,
    meanUs: round1(histogram.mean),
    p50Us: histogram.getValueAtPercentile(50),
    p90Us: histogram.getValueAtPercentile(90),
    p95Us: histogram.getValueAtPercentile(95),
    p99Us: histogram.getValueAtPercentile(99),
    p999Us: histogram.getValueAtPercentile(99.9),
    p9999Us: histogram.getValueAtPercentile(99.99),
    maxUs: histogram.maxValue,
    stdDevUs: round1(histogram.stdDeviation),
  };
}

export interface CurvePoint {
  /** 0 to 99.99. */
  readonly percentile: number;
  readonly us: number;
}

/**
 * The percentile curve sampled evenly on the HdrHistogram plotter's log axis, x = log10(1 / (1 - p)), from p0 to
 * p99.99 (x = 4); `pointsPerDecade` samples per factor of ten.
 */
export function percentileCurve(histogram: Histogram, pointsPerDecade = 25): CurvePoint[] {
  const points: CurvePoint[] = [];
  if (histogram.totalCount === 0) return points;
  const steps = 4 * pointsPerDecade;
  for (let i = 0; i <= steps; i++) {
    const x = (4 * i) / steps;
    const percentile = Math.round((100 - 100 / 10 ** x) * 10_000) / 10_000;
    points.push({ percentile, us: histogram.getValueAtPercentile(percentile) });
  }
  return points;
}

function round1(value: number): number {
  return Math.round(value * 10) / 10;
}
