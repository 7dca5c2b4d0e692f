/** Parses a duration such as "10s", "500ms", "1m", "1.5s" or "2h" into milliseconds. A unit is required. */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]);
  const unit = match[2];
  const scale = unit === "ms" ? 1 : unit === "s" ? 1000 : unit === "m" ? 60_000 : 3_600_000;
  const ms = value * scale;
  return Number.isFinite(ms) ? ms : undefined;
}

/** "10 s", "500 ms", "1.5 min": how a duration is shown in reports. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${round(ms)} ms`;
  if (ms < 120_000) return `${round(ms / 1000)} s`;
  return `${round(ms / 60_000)} min`;
}

function round(value: number): string {
  return String(Math.round(value * 100) / 100);
}
