/**
 * Lets the event loop preempt signing. Signatures run on libuv's thread pool; on a core shared with the event loop,
 * a pool thread at the same priority makes a ready event loop wait for the scheduler, and every other call (Echo,
 * health checks) pays that wait. Linux keeps a nice value per thread, and setpriority(PRIO_PROCESS, tid) -
 * os.setPriority(tid, n) - changes one thread only, so raising the pool threads' nice value (libuv names them
 * "libuv-worker") leaves the event loop where it was and lets it run first whenever it is ready.
 *
 * Best effort by design: without /proc, on other systems, or when the kernel refuses, the pool keeps its priority
 * and the server runs as before (logged at debug).
 */
import { randomFill } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import type { Logger } from "../log/logger.js";

/** Environment variable choosing the pool threads' nice value: 1..19, or 0 to leave the pool alone. */
export const POOL_NICE_ENV = "FASTGRPC_POOL_NICE";
/** Lowest priority: the event loop gets ~98% of a shared core when both want it (weights 1024 against 15). */
export const DEFAULT_POOL_NICE = 19;

const POOL_THREAD_NAME = "libuv-worker";

export interface PoolPriorityOptions {
  /** The nice value for pool threads (0 leaves them alone); default from FASTGRPC_POOL_NICE, else 19. */
  nice?: number;
  /** Where the process's threads are listed; a seam for tests. */
  taskDir?: string;
  /** The platform; a seam for tests. */
  platform?: NodeJS.Platform;
  log?: Logger;
}

export interface PoolPriorityResult {
  /** The nice value asked for. */
  readonly nice: number;
  /** Thread ids of the pool threads found. */
  readonly poolThreads: readonly number[];
  /** How many of them now run at `nice` or lower priority. */
  readonly lowered: number;
  /** Why nothing was done, when nothing was. */
  readonly skipped?: string;
}

/** The nice value FASTGRPC_POOL_NICE asks for: unset or empty gives the default; an invalid value is an error. */
export function poolNiceFromEnv(value: string | undefined): { nice: number } | { error: string } {
  if (value === undefined || value.trim() === "") return { nice: DEFAULT_POOL_NICE };
  const nice = Number(value);
  if (!Number.isInteger(nice) || nice < 0 || nice > 19) return { error: `${POOL_NICE_ENV} must be an integer from 0 to 19, got "${value}"` };
  return { nice };
}

/**
 * Lowers the priority of every libuv pool thread that exists now. libuv starts all of them (UV_THREADPOOL_SIZE) at
 * the pool's first job and never adds more, so one call after that covers the process for good. Without a pool
 * yet, it does nothing. Never throws.
 */
export function lowerPoolThreadPriority(options: PoolPriorityOptions = {}): PoolPriorityResult {
  const nice = options.nice ?? configuredNice(options.log);
  const log = options.log;
  if (nice === 0) return { nice, poolThreads: [], lowered: 0, skipped: `${POOL_NICE_ENV}=0` };
  if ((options.platform ?? process.platform) !== "linux") return { nice, poolThreads: [], lowered: 0, skipped: "per-thread priority is Linux only" };
  let poolThreads: number[];
  try {
    poolThreads = findPoolThreads(options.taskDir ?? "/proc/self/task");
  } catch (error) {
    log?.debug({ err: error }, "cannot list threads; thread pool priority unchanged");
    return { nice, poolThreads: [], lowered: 0, skipped: "cannot list the process's threads" };
  }
  let lowered = 0;
  for (const tid of poolThreads) {
    try {
      // Only ever lower the priority: a thread already nicer than asked (the whole process under `nice`) stays.
      if (os.getPriority(tid) < nice) os.setPriority(tid, nice);
      lowered++;
    } catch (error) {
      log?.debug({ err: error, tid, nice }, "cannot lower a pool thread's priority");
    }
  }
  const skipped = poolThreads.length === 0 ? "no thread pool yet" : undefined;
  log?.debug({ nice, poolThreads: poolThreads.length, lowered }, "thread pool priority");
  return skipped === undefined ? { nice, poolThreads, lowered } : { nice, poolThreads, lowered, skipped };
}

/**
 * Starts libuv's pool if it has not started (one tiny job; libuv names and starts every pool thread before running
 * it), then lowers the pool threads' priority as lowerPoolThreadPriority does. For server entries and workers: call
 * once, after UV_THREADPOOL_SIZE is set. Never rejects.
 */
export async function yieldThreadPoolToEventLoop(options: PoolPriorityOptions = {}): Promise<PoolPriorityResult> {
  const nice = options.nice ?? configuredNice(options.log);
  if (nice !== 0 && (options.platform ?? process.platform) === "linux") await startThreadPool();
  return lowerPoolThreadPriority({ ...options, nice });
}

/** The nice value FASTGRPC_POOL_NICE asks for; an invalid value is logged and the default used. */
export function configuredNice(log: Logger | undefined): number {
  const setting = poolNiceFromEnv(process.env[POOL_NICE_ENV]);
  if ("nice" in setting) return setting.nice;
  log?.warn(`${setting.error}; using ${DEFAULT_POOL_NICE}`);
  return DEFAULT_POOL_NICE;
}

function findPoolThreads(taskDir: string): number[] {
  const tids: number[] = [];
  for (const entry of readdirSync(taskDir)) {
    const tid = Number(entry);
    if (!Number.isInteger(tid) || tid <= 0) continue;
    try {
      if (readFileSync(`${taskDir}/${entry}/comm`, "latin1").trim() === POOL_THREAD_NAME) tids.push(tid);
    } catch {
      // A thread that ended between the listing and the read is not a pool thread (those live as long as the process).
    }
  }
  return tids;
}

function startThreadPool(): Promise<void> {
  return new Promise((resolve) => {
    try {
      randomFill(new Uint8Array(1), () => resolve());
    } catch {
      resolve();
    }
  });
}
