/**
 * Imported first by the crypto benchmark's processes: libuv reads UV_THREADPOOL_SIZE once, when the pool first
 * starts, so it is set here before any crypto call. One thread per core, as the server should run.
 */
import os from "node:os";

process.env.UV_THREADPOOL_SIZE ??= String(os.availableParallelism());
