/** Engines by the name users pick with --engine. */
import type { ClientEngine, ServerEngineFactory } from "./types.js";
import { createNodeServerEngine } from "./node/server.js";
import { nodeClientEngine } from "./node/client.js";
import { createH2ServerEngine, h2ClientEngine } from "./h2/index.js";

/** "h2" is fastgrpc's own HTTP/2 engine; "node" is node:http2, the reference and fallback. */
export const ENGINE_NAMES = ["h2", "node"] as const;
export type EngineName = (typeof ENGINE_NAMES)[number];
export const DEFAULT_ENGINE: EngineName = "h2";

export function isEngineName(value: string): value is EngineName {
  return (ENGINE_NAMES as readonly string[]).includes(value);
}

export function serverEngine(name: EngineName): ServerEngineFactory {
  switch (name) {
    case "h2": return createH2ServerEngine;
    case "node": return createNodeServerEngine;
  }
}

export function clientEngine(name: EngineName): ClientEngine {
  switch (name) {
    case "h2": return h2ClientEngine;
    case "node": return nodeClientEngine;
  }
}
