/**
 * Lowers the priority of the calling thread only. setpriority(PRIO_PROCESS, 0) - os.setPriority(n) - acts on the
 * calling thread on Linux alone (Linux keeps a nice value per thread); on macOS, the BSDs and Windows it changes the
 * whole process, event loop included, which would slow every call. So off Linux this does nothing.
 */
import os from "node:os";

export interface OwnThreadPriorityOptions {
  /** Seams for tests. */
  readonly platform?: NodeJS.Platform;
  readonly setPriority?: (priority: number) => void;
  readonly getPriority?: () => number;
}

export interface OwnThreadPriority {
  /** The nice value the thread runs at, as the kernel reports it (0 when it cannot be read). */
  readonly nice: number;
  /** Why the priority was left alone, when it was. */
  readonly skipped?: string;
}

/** Sets the calling thread's nice value to `nice` (0: leave it) on Linux; never throws. */
export function lowerOwnThreadPriority(nice: number, options: OwnThreadPriorityOptions = {}): OwnThreadPriority {
  const setPriority = options.setPriority ?? ((priority: number) => os.setPriority(priority));
  const getPriority = options.getPriority ?? (() => os.getPriority());
  const current = (): number => {
    try {
      return getPriority();
    } catch {
      return 0;
    }
  };
  if (nice <= 0) return { nice: current(), skipped: "nice 0 asked" };
  const platform = options.platform ?? process.platform;
  if (platform !== "linux") return { nice: current(), skipped: `on ${platform} setpriority would lower the whole process` };
  try {
    setPriority(nice);
    return { nice: current() };
  } catch (error) {
    return { nice: current(), skipped: error instanceof Error ? error.message : String(error) };
  }
}
