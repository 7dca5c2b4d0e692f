/**
 * The cores this process may really use: os.availableParallelism() (CPU affinity) capped by the cgroup v2 CPU
 * quota (cpu.max), which a container runtime sets for a pod limited to N CPUs. Without the cap a pod limited to
 * 1 CPU on a 64-core node would start 64 workers and 64 pool threads that share one CPU's worth of time.
 *
 * cpu.max holds "QUOTA PERIOD" (µs) or "max PERIOD" (no limit). The limit that applies is the smallest on the
 * path from this process's cgroup (from /proc/self/cgroup's "0::/path" line) up to the root, so every level is
 * read. Anything unreadable or malformed means "no quota": this must never fail a start-up.
 */
import { readFileSync } from "node:fs";
import os from "node:os";
import { posix } from "node:path";

export interface CpuQuotaSources {
  /** Where cgroup v2 is mounted (default /sys/fs/cgroup). */
  readonly cgroupRoot?: string;
  /** The process's cgroup file (default /proc/self/cgroup). */
  readonly selfCgroupFile?: string;
  /** The cores without the quota (default os.availableParallelism()). */
  readonly parallelism?: number;
  /** Reads a file as text, or undefined when it cannot (injectable for tests). */
  readonly readText?: (path: string) => string | undefined;
}

function readTextOrUndefined(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** CPUs allowed by one cpu.max text ("200000 100000" → 2, "150000 100000" → 2, "max 100000" → undefined). */
export function parseCpuMax(text: string): number | undefined {
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === undefined || quota === "max") return undefined;
  const quotaMicros = Number(quota);
  const periodMicros = Number(period ?? "100000");
  if (!Number.isFinite(quotaMicros) || !Number.isFinite(periodMicros) || quotaMicros <= 0 || periodMicros <= 0) return undefined;
  // A fraction of a CPU still needs a process to run in: round up.
  return Math.max(1, Math.ceil(quotaMicros / periodMicros));
}

/** The cgroup v2 path of this process ("/" in a container with its own cgroup namespace), if any. */
function ownCgroupPath(text: string | undefined): string {
  const line = text?.split("\n").find((entry) => entry.startsWith("0::"));
  const path = line?.slice(3).trim();
  return path !== undefined && path.startsWith("/") ? path : "/";
}

/** The smallest CPU quota from this process's cgroup up to the root, or undefined when none is set. */
export function cgroupCpuLimit(sources: CpuQuotaSources = {}): number | undefined {
  const root = sources.cgroupRoot ?? "/sys/fs/cgroup";
  const read = sources.readText ?? readTextOrUndefined;
  let limit: number | undefined;
  let path = posix.normalize(ownCgroupPath(read(sources.selfCgroupFile ?? "/proc/self/cgroup")));
  for (;;) {
    const text = read(posix.join(root, path, "cpu.max"));
    const cpus = text === undefined ? undefined : parseCpuMax(text);
    if (cpus !== undefined) limit = limit === undefined ? cpus : Math.min(limit, cpus);
    if (path === "/") return limit;
    path = posix.dirname(path);
  }
}

/** os.availableParallelism() capped by the cgroup CPU quota; at least 1. */
export function usableCores(sources: CpuQuotaSources = {}): number {
  const parallelism = Math.max(1, sources.parallelism ?? os.availableParallelism());
  const limit = cgroupCpuLimit(sources);
  return limit === undefined ? parallelism : Math.min(parallelism, limit);
}

let cached: number | undefined;

/** usableCores() of this process, read once (the quota of a running container does not change in practice). */
export function processCores(): number {
  cached ??= usableCores();
  return cached;
}
