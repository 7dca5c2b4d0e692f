/**
 * Imported first by the crypto benchmark's processes: libuv reads UV_THREADPOOL_SIZE once, when the pool first
 * starts, so it is set here before any crypto call. One thread per core this process may run on (a process pinned
 * to one core gets one), as the server entry does (src/cli/threadpool.ts).
 */
import os from "node:os";

/** UV_THREADPOOL_SIZE as the user gave it (undefined when unset), for the coordinator to hand on to its children. */
export const inheritedThreadpoolSize: string | undefined = process.env.UV_THREADPOOL_SIZE;

process.env.UV_THREADPOOL_SIZE ??= String(os.availableParallelism());
