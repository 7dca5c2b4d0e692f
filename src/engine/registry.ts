/** Engines by the name users pick with --engine. */
import type { ClientEngine, ServerEngineFactory } from "./types.js";
import { createNodeServerEngine } from "./node/server.js";
import { nodeClientEngine } from "./node/client.js";

export const ENGINE_NAMES = ["node"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const DEFAULT_ENGINE: EngineName = "node";

export function isEngineName(value: string): value is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(value);
}

export function serverEngine(name: EngineName): ServerEngineFactory {
  switch (name) {
    case "node": return createNodeServerEngine;
  }
}

export function clientEngine(name: EngineName): ClientEngine {
  switch (name) {
    case "node": return nodeClientEngine;
  }
}
