/** The fastgrpc HTTP/2 client engine: one ClientConnection (client.ts) per connected socket. */
import type { Duplex } from "node:stream";
import type { ClientEngine, ClientEngineOptions, ClientSession, ClientSessionEvents } from "../types.js";
import { ClientConnection } from "./client.js";
import { H2_ENGINE_NAME } from "./constants.js";
import { resolveTuning, type H2Tuning } from "./tuning.js";

export class H2ClientEngine implements ClientEngine {
  readonly name = H2_ENGINE_NAME;
  private readonly tuning: H2Tuning;

  constructor(tuning?: Partial<H2Tuning>) {
    this.tuning = resolveTuning(tuning);
  }

  connect(socket: Duplex, options: ClientEngineOptions, events: ClientSessionEvents): ClientSession {
    return new ClientConnection(socket, options, events, this.tuning);
  }
}
