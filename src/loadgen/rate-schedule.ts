/**
 * The open loop's rate over time: constant (`--rate 5000`), steps (`--rate 1000:10000:1000/10s`: from 1,000/s, up
 * 1,000/s every 10 s until 10,000/s, then held) or a linear ramp (`--rate 1000:10000/30s`: 1,000/s to 10,000/s over
 * 30 s, then held). Time 0 is the start of the measured window; the warm-up runs at the first rate. Plain data, so
 * it crosses worker_threads inside the options.
 */
import { parseDuration } from "./duration.js";

export interface RateSchedule {
  /** Calls/s at time 0 (and during the warm-up). */
  readonly start: number;
  /** Calls/s once the schedule is over; equal to start for a constant rate. */
  readonly end: number;
  /** Steps: calls/s added (or removed) each periodMs; 0 for a linear ramp over periodMs. */
  readonly step: number;
  readonly periodMs: number;
}

export function constantRate(rate: number): RateSchedule {
  return { start: rate, end: rate, step: 0, periodMs: 0 };
}

export function isConstant(schedule: RateSchedule): boolean {
  return schedule.start === schedule.end;
}

/** Calls/s at `ms` after the start of the measured window. */
export function rateAt(schedule: RateSchedule, ms: number): number {
  const { start, end, step, periodMs } = schedule;
  if (start === end || ms <= 0) return start;
  if (step === 0) return ms >= periodMs ? end : start + ((end - start) * ms) / periodMs;
  const raised = start + Math.sign(end - start) * step * Math.floor(ms / periodMs);
  return end > start ? Math.min(end, raised) : Math.max(end, raised);
}

/** The schedule with every rate multiplied by `factor` (a thread's share). */
export function scaleSchedule(schedule: RateSchedule, factor: number): RateSchedule {
  return { start: schedule.start * factor, end: schedule.end * factor, step: schedule.step * factor, periodMs: schedule.periodMs };
}

/** Calls due in the first `ms` of the schedule (the integral of the rate): the offered load of a window. */
export function callsDue(schedule: RateSchedule, ms: number): number {
  const { start, end, step, periodMs } = schedule;
  if (start === end || ms <= 0) return (start * Math.max(0, ms)) / 1000;
  if (step === 0) {
    const rampMs = Math.min(ms, periodMs);
    const atRampEnd = rateAt(schedule, rampMs);
    return ((start + atRampEnd) / 2) * (rampMs / 1000) + (end * (ms - rampMs)) / 1000;
  }
  let total = 0;
  for (let t = 0; t < ms; t += periodMs) total += (rateAt(schedule, t) * Math.min(periodMs, ms - t)) / 1000;
  return total;
}

/** "5,000/s", "1,000 to 10,000/s in steps of 1,000 every 10 s", "1,000 to 10,000/s over 30 s". */
export function describeSchedule(schedule: RateSchedule): string {
  const n = (value: number) => Math.round(value).toLocaleString("en-US");
  if (isConstant(schedule)) return `${n(schedule.start)} calls/s`;
  const span = `${n(schedule.start)} to ${n(schedule.end)} calls/s`;
  const period = `${schedule.periodMs / 1000} s`;
  return schedule.step === 0 ? `${span} ramped over ${period}` : `${span} in steps of ${n(schedule.step)} every ${period}`;
}

/** Parses --rate; returns an error message (without the option name) instead of throwing. */
export function parseRateSchedule(text: string): RateSchedule | string {
  const number = (part: string | undefined): number => (part !== undefined && /^\d+(\.\d+)?$/.test(part) ? Number(part) : Number.NaN);
  const constant = number(text);
  if (!text.includes(":")) return constant > 0 ? constantRate(constant) : `must be a number above zero, not "${text}"`;
  const match = /^([^:/]+):([^:/]+)(?::([^:/]+))?\/([^/]+)$/.exec(text);
  const shape = "a rate (5000), steps (1000:10000:1000/10s) or a ramp (1000:10000/30s)";
  if (match === null) return `must be ${shape}, not "${text}"`;
  const start = number(match[1]);
  const end = number(match[2]);
  const step = match[3] === undefined ? 0 : number(match[3]);
  const periodMs = parseDuration(match[4] ?? "");
  if (!(start > 0) || !(end > 0)) return `rates must be numbers above zero in "${text}"`;
  if (match[3] !== undefined && !(step > 0)) return `the step must be a number above zero in "${text}"`;
  if (periodMs === undefined || periodMs <= 0) return `needs a period such as 10s after "/" in "${text}"`;
  return { start, end, step, periodMs };
}
