/** The fastgrpc HTTP/2 server engine: accepts connections (server.ts) and shuts them down gracefully together. */
import type { Duplex } from "node:stream";
import type { PeerInfo } from "../../transport/types.js";
import type { ServerEngine, ServerEngineOptions, StreamDispatcher } from "../types.js";
import { H2_ENGINE_NAME } from "./constants.js";
import { ServerConnection, type ServerConnectionOwner } from "./server.js";
import { DEFAULT_TUNING, resolveTuning, type H2Tuning } from "./tuning.js";

export class H2ServerEngine implements ServerEngine, ServerConnectionOwner {
  readonly name = H2_ENGINE_NAME;
  private readonly connections = new Set<ServerConnection>();
  private readonly tuning: H2Tuning;
  private shuttingDown = false;
  private onAllClosed: (() => void) | null = null;

  constructor(readonly dispatcher: StreamDispatcher, readonly options: ServerEngineOptions, tuning?: Partial<H2Tuning>) {
    // A unary request of the largest allowed size fits in one stream window (no round trip), up to the default
    // window: that also bounds what a paused streaming call holds (see DEFAULT_TUNING.initialWindowSize).
    const window = Math.min(Math.max(options.maxMessageBytes + 5, 65535), DEFAULT_TUNING.initialWindowSize);
    this.tuning = resolveTuning({
      maxConcurrentStreams: options.maxConcurrentStreams, initialWindowSize: window, ...tuning,
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  serveConnection(socket: Duplex, peer: PeerInfo): void {
    const conn = new ServerConnection(socket, peer, this, this.tuning);
    if (conn.dead) return;
    this.connections.add(conn);
    if (this.shuttingDown) conn.beginShutdown();
  }

  connectionClosed(conn: ServerConnection): void {
    this.connections.delete(conn);
    if (this.connections.size === 0 && this.onAllClosed !== null) {
      const resolve = this.onAllClosed;
      this.onAllClosed = null;
      resolve();
    }
  }

  shutdown(graceMs: number): Promise<void> {
    this.shuttingDown = true;
    if (this.connections.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        for (const conn of [...this.connections]) conn.destroy(new Error("shutdown grace period over"));
      }, graceMs);
      timer.unref();
      this.onAllClosed = () => {
        clearTimeout(timer);
        resolve();
      };
      for (const conn of [...this.connections]) conn.beginShutdown();
    });
  }
}

/** The ServerEngineFactory of the fastgrpc HTTP/2 engine; `tuning` overrides limits (tests, benchmarks). */
export function createH2ServerEngine(
  dispatcher: StreamDispatcher,
  options: ServerEngineOptions,
  tuning?: Partial<H2Tuning>,
): ServerEngine {
  return new H2ServerEngine(dispatcher, options, tuning);
}
