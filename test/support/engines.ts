/** The HTTP/2 engines every gRPC-level suite runs against (both must behave the same). */
import { ENGINE_NAMES, clientEngine, serverEngine, type EngineName } from "../../src/engine/registry.js";
import type { ClientEngine, ServerEngineFactory } from "../../src/engine/types.js";

export interface EngineUnderTest {
  readonly name: EngineName;
  readonly server: ServerEngineFactory;
  readonly client: ClientEngine;
}

export const ENGINES: readonly EngineUnderTest[] = ENGINE_NAMES.map((name) => ({
  name,
  server: serverEngine(name),
  client: clientEngine(name),
}));
