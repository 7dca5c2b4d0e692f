/** Number formatting shared by the table, the progress line and the HTML page. */

/** 87 us, 1.24 ms, 3.5 s: three significant digits, the unit that keeps the number readable. */
export function formatLatency(us: number): string {
  if (us < 1000) return `${Math.round(us)} us`;
  if (us < 1_000_000) return `${trim(us / 1000)} ms`;
  return `${trim(us / 1_000_000)} s`;
}

/** 25,312 */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString("en-US");
}

/** 25,312.4 or 12.5 */
export function formatRate(value: number): string {
  return value >= 100 ? formatCount(value) : String(Math.round(value * 10) / 10);
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(2)}%`;
}

function trim(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2);
}
