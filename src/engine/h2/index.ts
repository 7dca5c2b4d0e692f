/** The fastgrpc HTTP/2 engine (RFC 9113 + RFC 7541), purpose-built for gRPC: server and client. */
import type { ClientEngine, ServerEngineFactory } from "../types.js";
import { H2ClientEngine } from "./client-engine.js";
import { createH2ServerEngine as createServer } from "./server-engine.js";

export { H2ClientEngine } from "./client-engine.js";
export { H2ServerEngine } from "./server-engine.js";
export { H2ProtocolError } from "./protocol-error.js";
export { DEFAULT_TUNING, type H2Tuning } from "./tuning.js";

export { H2_ENGINE_NAME } from "./constants.js";

/** Server engine factory; an optional third argument overrides limits (see H2Tuning). */
export const createH2ServerEngine: ServerEngineFactory & typeof createServer = createServer;

export const h2ClientEngine: ClientEngine = new H2ClientEngine();
