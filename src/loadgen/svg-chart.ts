/** Minimal SVG line and bar charts drawn as strings, so the HTML report needs no script and no network. */

export interface Series {
  readonly label: string;
  readonly color: string;
  readonly points: ReadonlyArray<readonly [number, number]>;
}

export interface Axis {
  readonly min: number;
  readonly max: number;
  readonly ticks: ReadonlyArray<readonly [number, string]>;
  readonly title: string;
}

const WIDTH = 760;
const HEIGHT = 320;
const LEFT = 70;
const RIGHT = 20;
const TOP = 20;
const BOTTOM = 50;

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Round tick steps (1, 2 or 5 times a power of ten) from 0 to at least `max`. */
export function niceTicks(max: number, format: (value: number) => string, count = 5): Axis["ticks"] {
  const top = max > 0 ? max : 1;
  const raw = top / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: Array<[number, string]> = [];
  for (let v = 0; v <= top + step * 0.999; v += step) ticks.push([v, format(v)]);
  return ticks;
}

function frame(x: Axis, y: Axis): { sx: (v: number) => number; sy: (v: number) => number; parts: string[] } {
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const sx = (v: number) => LEFT + ((v - x.min) / (x.max - x.min || 1)) * plotW;
  const sy = (v: number) => TOP + plotH - ((v - y.min) / (y.max - y.min || 1)) * plotH;
  const parts: string[] = [];
  for (const [v, label] of y.ticks) {
    const py = sy(v).toFixed(1);
    parts.push(`<line x1="${LEFT}" x2="${WIDTH - RIGHT}" y1="${py}" y2="${py}" stroke="#ddd"/>`);
    parts.push(`<text x="${LEFT - 6}" y="${py}" text-anchor="end" dominant-baseline="middle">${escapeXml(label)}</text>`);
  }
  for (const [v, label] of x.ticks) {
    const px = sx(v).toFixed(1);
    parts.push(`<line x1="${px}" x2="${px}" y1="${TOP}" y2="${TOP + plotH}" stroke="#eee"/>`);
    parts.push(`<text x="${px}" y="${TOP + plotH + 16}" text-anchor="middle">${escapeXml(label)}</text>`);
  }
  parts.push(`<rect x="${LEFT}" y="${TOP}" width="${plotW}" height="${plotH}" fill="none" stroke="#999"/>`);
  parts.push(`<text x="${LEFT + plotW / 2}" y="${HEIGHT - 8}" text-anchor="middle">${escapeXml(x.title)}</text>`);
  parts.push(
    `<text x="14" y="${TOP + plotH / 2}" text-anchor="middle" transform="rotate(-90 14 ${TOP + plotH / 2})">${escapeXml(y.title)}</text>`,
  );
  return { sx, sy, parts };
}

function svg(parts: readonly string[], title: string): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" ` +
    `font-family="sans-serif" font-size="11" role="img" aria-label="${escapeXml(title)}">${parts.join("")}</svg>`
  );
}

function legend(series: ReadonlyArray<{ readonly label: string; readonly color: string }>): string[] {
  return series.map(
    (s, i) =>
      `<rect x="${LEFT + 10}" y="${TOP + 8 + i * 16}" width="12" height="3" fill="${s.color}"/>` +
      `<text x="${LEFT + 28}" y="${TOP + 10 + i * 16}" dominant-baseline="middle">${escapeXml(s.label)}</text>`,
  );
}

export function lineChart(title: string, x: Axis, y: Axis, series: readonly Series[]): string {
  const { sx, sy, parts } = frame(x, y);
  for (const s of series) {
    const path = s.points.map(([px, py]) => `${sx(px).toFixed(1)},${sy(py).toFixed(1)}`).join(" ");
    parts.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${path}"/>`);
  }
  parts.push(...legend(series));
  return svg(parts, title);
}

export interface BarSeries {
  readonly label: string;
  readonly color: string;
  readonly bars: ReadonlyArray<{ readonly x: number; readonly width: number; readonly value: number }>;
}

/** Stacked bars: bars at the same x stack in series order. */
export function barChart(title: string, x: Axis, y: Axis, series: readonly BarSeries[]): string {
  const { sx, sy, parts } = frame(x, y);
  const base = new Map<number, number>();
  for (const s of series) {
    for (const bar of s.bars) {
      if (bar.value <= 0) continue;
      const below = base.get(bar.x) ?? 0;
      const top = sy(below + bar.value);
      const height = sy(below) - top;
      const width = Math.max(1, sx(bar.x + bar.width) - sx(bar.x) - 1);
      parts.push(
        `<rect x="${sx(bar.x).toFixed(1)}" y="${top.toFixed(1)}" width="${width.toFixed(1)}" height="${height.toFixed(1)}" fill="${s.color}"/>`,
      );
      base.set(bar.x, below + bar.value);
    }
  }
  parts.push(...legend(series));
  return svg(parts, title);
}
