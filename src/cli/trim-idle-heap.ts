/**
 * Gives back the memory start-up used and no longer needs. Loading modules, decoding the generated descriptors and
 * generating keys allocate enough short-lived objects that V8 grows its young generation to its maximum (16 MB of
 * semi-space, all of it resident) and then keeps it: an idle server would hold ~10 MB it does not use (measured:
 * docs/scaling.md, footprint). One full, compacting GC once the server is ready shrinks it; under load V8 grows it
 * again as it sees fit, so the serving path is unchanged. Called once per process, never on a call's path.
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
