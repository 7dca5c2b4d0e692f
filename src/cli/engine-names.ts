/**
 * The --engine names without the engines: src/engine/registry.ts imports both engines (node:http2, tls, http and the
 * own engine, ~14 MB RSS), and a server process loads only the one it runs (docs/scaling.md, footprint). The
 * compiler keeps ENGINE_NAMES equal to the registry's tuple (same names, same order);
 * test/workers/every-process-serves-and-loads-only-the-engine-it-runs.test.ts checks the default. The registry
 * could import both from here.
 */
import type { DEFAULT_ENGINE as REGISTRY_DEFAULT, EngineName, ENGINE_NAMES as REGISTRY_NAMES } from "../engine/registry.js";

export const ENGINE_NAMES = ["h2", "node"] as const satisfies typeof REGISTRY_NAMES;
export const DEFAULT_ENGINE: typeof REGISTRY_DEFAULT = "h2";

export function isEngineName(value: string): value is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(value);
}
