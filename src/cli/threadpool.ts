/**
 * Imported first by the server entry: libuv sizes its thread pool (used by crypto.sign callbacks) from
 * UV_THREADPOOL_SIZE when the pool first starts, so it must be set before any asynchronous crypto or fs call.
 */
import os from "node:os";

/** The user chose the pool size: workers inherit it as it is. */
export const POOL_SIZE_FROM_USER = process.env.UV_THREADPOOL_SIZE !== undefined;
process.env.UV_THREADPOOL_SIZE ??= String(os.availableParallelism());

/**
 * The environment that sizes each worker's pool: the cores shared out between the workers (at least one thread
 * each), so that N workers do not start N x cores signing threads. Empty when the user set UV_THREADPOOL_SIZE.
 */
export function workerPoolEnv(workers: number): Record<string, string> {
  if (POOL_SIZE_FROM_USER) return {};
  return { UV_THREADPOOL_SIZE: String(Math.max(1, Math.ceil(os.availableParallelism() / workers))) };
}
