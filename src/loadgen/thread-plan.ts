/** How the run's totals (concurrency, rate, requests, connections) are shared out among the threads. */
import type { BenchOptions } from "./options.js";
import type { ThreadPlan } from "./load-run.js";
import { scaleSchedule } from "./rate-schedule.js";

/** Thread `index`'s share of `total` when split as evenly as possible over `parts`. */
/** How long calls without a deadline may take to answer after the last send. */
const DRAIN_WITHOUT_DEADLINE_MS = 10_000;

export function shareOf(total: number, parts: number, index: number): number {
  return Math.floor(total / parts) + (index < total % parts ? 1 : 0);
}

export function threadPlan(options: BenchOptions, index: number): ThreadPlan {
  const threads = options.threads;
  const rate = options.rate ?? 0;
  return {
    mode: options.mode,
    concurrency: shareOf(options.concurrency, threads, index),
    rate: rate / threads,
    ...(options.rateSchedule === undefined ? {} : { schedule: scaleSchedule(options.rateSchedule, 1 / threads) }),
    maxLagMs: options.maxLagMs,
    maxInFlight: shareOf(options.maxInFlight, threads, index),
    // Thread i's calls fall between thread i-1's, so together they keep the fixed interval 1/rate.
    phaseMs: rate > 0 ? (index * 1000) / rate : 0,
    durationMs: options.durationMs,
    requests: options.requests === undefined ? undefined : shareOf(options.requests, threads, index),
    warmupMs: options.warmupMs,
    drainMs: (options.timeoutMs ?? DRAIN_WITHOUT_DEADLINE_MS) + 1_000,
  };
}

export function threadConnections(options: BenchOptions, index: number): number {
  return shareOf(options.connections, options.threads, index);
}
