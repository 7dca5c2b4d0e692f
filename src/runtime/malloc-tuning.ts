/**
 * glibc malloc tuning for processes that move large messages (fastgrpc-server, fastgrpc-bench, fastgrpc-client).
 *
 * Why: every message larger than a socket read is assembled into a fresh buffer (node allocates its backing store
 * with malloc). With glibc's defaults a freed 4 MiB buffer goes back to the kernel (the heap is trimmed above
 * ~8 MB of free space at its top, or the block was mmapped), so the next one is new memory: ~1,000 page faults
 * per 4 MiB, each zeroed by the kernel, and a copy into cold pages. A server echoing 4 MiB spent 10-16 ms of CPU
 * per call, two thirds of it there. Keeping freed blocks in the heap (no mmap below 32 MiB, trim only above
 * 64 MiB free) makes them warm memory reused by the next message: 3.5-4.3 ms per 4 MiB call, and 8-40% less CPU
 * per call from 64 KiB to 1 MiB (docs/benchmarks.md §13 has the runs and the commands).
 *
 * The cost: after a burst of large messages a process may keep up to 64 MiB of freed heap resident; an idle
 * server that never saw one is unchanged. glibc reads these settings only when a process starts, so the CLIs
 * re-execute themselves once, in place (same pid), with them in the environment; node:cluster workers inherit it.
 * A user who set any malloc setting of their own is left alone, and so is a C library that is not glibc (musl
 * ignores the variables; the re-exec is skipped where they mean nothing: outside Linux).
 */

export const MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024;
export const TRIM_THRESHOLD_BYTES = 64 * 1024 * 1024;

/** The settings, as glibc reads them from the environment at start-up. */
export const MALLOC_TUNING_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES),
  MALLOC_TRIM_THRESHOLD_: String(TRIM_THRESHOLD_BYTES),
};

/** Environment variables with which a user tunes malloc themselves: any one of them means hands off. */
const USER_SETTINGS = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX"];

/**
 * The environment to restart with, or undefined when there is nothing to do: not Linux, the settings already in
 * place (this is the restarted process), or malloc tuned by the user (the variables above or GLIBC_TUNABLES
 * naming glibc.malloc).
 */
export function mallocTuningEnv(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv | undefined {
  if (platform !== "linux") return undefined;
  if (USER_SETTINGS.some((name) => env[name] !== undefined)) return undefined;
  if ((env.GLIBC_TUNABLES ?? "").includes("glibc.malloc.")) return undefined;
  return { ...env, ...MALLOC_TUNING_ENV };
}

/**
 * Replaces this process, in place, with the same command and the malloc settings (mallocTuningEnv). Call first
 * thing in a command-line entry point, before any thread or server starts. Returns (having done nothing) when
 * there is nothing to do, on a node without process.execve (added in 22.15/23.11), or if the exec fails: the
 * settings are a speed-up, never a reason not to start.
 */
export function restartWithMallocTuning(): void {
  const env = mallocTuningEnv();
  const script = process.argv[1];
  if (env === undefined || script === undefined || process.execve === undefined) return;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], env);
  } catch {
    // Not restarted: the process goes on with glibc's defaults.
  }
}
