/**
 * Settings that only take effect when a process starts, for processes that move large messages (fastgrpc-server,
 * fastgrpc-bench, fastgrpc-client): the CLIs re-execute themselves once, in place (same pid), with them.
 *
 * - glibc malloc keeps freed message buffers (no mmap below 32 MiB, trim only above 64 MiB free). Every message
 *   larger than a socket read is assembled into a fresh buffer, and node allocates it with malloc. With glibc's
 *   defaults a freed 4 MiB buffer went back to the kernel, so the next one was new memory: ~1,000 page faults per
 *   4 MiB, each page zeroed by the kernel, then a copy into cold pages. A server echoing 4 MiB spent 10-16 ms of
 *   CPU per call, two thirds of it there; with the settings 3.5-4.3 ms, and 8-40% less from 64 KiB to 1 MiB.
 * - V8 starts with an old generation limit of 64 MB (--initial-old-space-size). With calls in flight, message
 *   buffers outlive a few scavenges and are promoted; with V8's small initial limit they then started a full
 *   Mark-Compact every ~4 calls at 4 MiB and every ~15 at 1 MiB (16 in flight): 5.0-5.7 ms per 4 MiB call instead
 *   of 7.8, 1.3-1.5 ms per 1 MiB call instead of 2.0-2.6. No change at 64 B.
 * - V8's semi-spaces are at most 2 MB (--max-semi-space-size=2). Loading the modules and making the keys grew the
 *   young generation to its default maximum, which an idle server then kept resident: 4.5 MB less RSS per process
 *   (81 -> 77 MB for one serving process), with no change in CPU per call from 64 B to 1 MiB. The young-generation
 *   cap (young-generation.ts) goes with it as a flag, since capYoungGeneration leaves a young generation sized by
 *   a flag alone: the semi-space size does not move the trigger the cap sets (without it a 64 KiB download ran
 *   at half the speed, 31 Mark-Compacts per GiB).
 *
 * docs/benchmarks.md §13 has the runs and the commands. The cost: under load with large messages a process may
 * keep up to 64 MiB of freed heap and a larger JS heap resident; an idle one keeps the 1.5-2 MB of start-up
 * garbage that glibc used to return (the semi-space flag saves more than that). node:cluster workers
 * inherit both (the environment and execArgv). A user who set malloc or the old generation's size themselves is
 * left alone on that point. Malloc settings only apply on Linux (musl ignores them; glibc reads them at start).
 */

import { nodeFlagGiven } from "./node-flags.js";
import { YOUNG_GENERATION_CAP_FLAG, youngGenerationSizedByUser } from "./young-generation.js";

export const MMAP_THRESHOLD_BYTES = 32 * 1024 * 1024;
export const TRIM_THRESHOLD_BYTES = 64 * 1024 * 1024;
export const INITIAL_OLD_SPACE_MB = 64;

/** The malloc settings, as glibc reads them from the environment at start-up. */
export const MALLOC_TUNING_ENV: Readonly<Record<string, string>> = {
  MALLOC_MMAP_THRESHOLD_: String(MMAP_THRESHOLD_BYTES),
  MALLOC_TRIM_THRESHOLD_: String(TRIM_THRESHOLD_BYTES),
};

export const OLD_SPACE_FLAG = `--initial-old-space-size=${INITIAL_OLD_SPACE_MB}`;
export const SEMI_SPACE_MB = 2;
export const SEMI_SPACE_FLAG = `--max-semi-space-size=${SEMI_SPACE_MB}`;

/** Environment variables with which a user tunes malloc themselves: any one of them means hands off. */
const USER_MALLOC_SETTINGS = ["MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_", "MALLOC_ARENA_MAX"];
/** Node flags with which a user sized the initial heap themselves. */
const USER_HEAP_FLAGS = ["--initial-old-space-size", "--initial-heap-size"];

export interface Restart {
  env: NodeJS.ProcessEnv;
  execArgv: string[];
}

export interface Starting {
  env: NodeJS.ProcessEnv;
  execArgv: readonly string[];
  platform: NodeJS.Platform;
}

function mallocTunedByUser(env: NodeJS.ProcessEnv): boolean {
  return USER_MALLOC_SETTINGS.some((name) => env[name] !== undefined) || (env.GLIBC_TUNABLES ?? "").includes("glibc.malloc.");
}

/**
 * What to restart with, or undefined when nothing is missing: the malloc settings on Linux unless the user tuned
 * malloc, the old-space flag unless the user sized the heap, the semi-space flag unless the user sized the young
 * generation. The restarted process has them all, so it does not restart again.
 */
export function largeMessageRestart({ env, execArgv, platform }: Starting): Restart | undefined {
  const nodeOptions = env.NODE_OPTIONS ?? "";
  const addMalloc = platform === "linux" && !mallocTunedByUser(env);
  const flags: string[] = [];
  if (!nodeFlagGiven(USER_HEAP_FLAGS, execArgv, nodeOptions)) flags.push(OLD_SPACE_FLAG);
  if (!youngGenerationSizedByUser(execArgv, nodeOptions)) flags.push(SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG);
  if (!addMalloc && flags.length === 0) return undefined;
  return { env: addMalloc ? { ...env, ...MALLOC_TUNING_ENV } : env, execArgv: [...flags, ...execArgv] };
}

/**
 * Replaces this process, in place, with the same command and the settings above. Call first thing in a
 * command-line entry point, before any thread or server starts. Returns (having done nothing) when nothing is
 * missing, on a node without process.execve (added in 22.15/23.11; none on Windows), or if the exec fails: the
 * settings are a speed-up, never a reason not to start.
 */
export function restartForLargeMessages(): void {
  const restart = largeMessageRestart({ env: process.env, execArgv: process.execArgv, platform: process.platform });
  const script = process.argv[1];
  if (restart === undefined || script === undefined || process.execve === undefined) return;
  try {
    process.execve(process.execPath, [process.execPath, ...restart.execArgv, ...process.argv.slice(1)], restart.env);
  } catch {
    // Not restarted: the process goes on with the defaults.
  }
}
