/**
 * Imported first by the server entry: libuv sizes its thread pool (used by crypto.sign callbacks) from
 * UV_THREADPOOL_SIZE when the pool first starts, so it must be set before any asynchronous crypto or fs call.
 */
import os from "node:os";

process.env.UV_THREADPOOL_SIZE ??= String(os.availableParallelism());
