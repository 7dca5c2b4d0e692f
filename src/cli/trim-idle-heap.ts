/**
 * --low-memory: gives back the memory start-up used and no longer needs. Loading modules, decoding the generated
 * descriptors and generating keys allocate enough short-lived objects that V8 grows its young generation to its
 * maximum and then keeps it: with node's default 16 MB semi-space an idle server held ~10 MB it did not use; with
 * the 2 MB cap the command lines start with (runtime/large-message-restart.ts) it is ~3 MB (docs/benchmarks.md §14).
 * One full, compacting GC once the server is ready shrinks it. Opt-in: in A/B runs the 64-byte echo served 12-17%
 * fewer calls/s after it (docs/scaling.md, footprint). Called once per process, never on a call's path.
 *
 * node has no API for this without --expose-gc, so the flag is set at run time and `gc` taken from a fresh
 * context (the global object of this one is left alone). Best effort: if that fails, nothing changes.
 */
import v8 from "node:v8";
import { runInNewContext } from "node:vm";

type GcFunction = (options?: { type?: "major" | "minor"; execution?: "sync" | "async"; flavor?: "regular" | "last-resort" }) => unknown;

function isGc(value: unknown): value is GcFunction {
  return typeof value === "function";
}

/** Runs one last-resort (compacting, memory-reducing) major GC; false when it could not. */
export function trimIdleHeap(): boolean {
  try {
    v8.setFlagsFromString("--expose-gc");
    const gc: unknown = runInNewContext("gc");
    if (!isGc(gc)) return false;
    gc({ type: "major", execution: "sync", flavor: "last-resort" });
    return true;
  } catch {
    return false;
  }
}
