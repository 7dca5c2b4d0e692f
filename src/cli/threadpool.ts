/**
 * Imported first by the server entry: libuv sizes its thread pool (used by crypto.sign callbacks) from
 * UV_THREADPOOL_SIZE when the pool first starts, so it must be set before any asynchronous crypto or fs call.
 */
import { processCores } from "./cpu-quota.js";

/** The user chose the pool size: workers inherit it as it is. */
export const POOL_SIZE_FROM_USER = process.env.UV_THREADPOOL_SIZE !== undefined;
// The cores: CPU affinity capped by the container's CPU quota (cpu-quota.ts).
process.env.UV_THREADPOOL_SIZE ??= String(processCores());

/**
 * The cores shared out between the serving processes (at least one each): each worker's signing threads and libuv
 * pool threads, so that N workers do not start N x cores of them.
 */
export function coresPerWorker(workers: number): number {
  return Math.max(1, Math.ceil(processCores() / workers));
}

/**
 * Sizes this process's pool for `workers` serving processes (the primary serves too), before the pool's first job
 * (the key generation, yieldThreadPoolToEventLoop): a no-op when the user set UV_THREADPOOL_SIZE. The primary calls
 * it before it forks, so its workers inherit the size with its environment (and, finding it set, keep it).
 */
export function sizeThreadPoolFor(workers: number): void {
  if (!POOL_SIZE_FROM_USER) process.env.UV_THREADPOOL_SIZE = String(coresPerWorker(workers));
}
