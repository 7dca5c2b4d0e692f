/**
 * A node:http2 server session as connection management sees it (ManagedConnection): open-stream count, PINGs both
 * ways (the session's 'ping' event, session.ping()), GOAWAY with a code and debug data (session.goaway()).
 */
import http2 from "node:http2";
import type { ManagedConnection, ManagedConnectionEvents } from "../types.js";

/** How long a GOAWAY gets to reach the socket before the session is destroyed (node:http2 writes it asynchronously). */
const GOAWAY_FLUSH_MS = 100;
const PING_PAYLOAD = Buffer.from("fgkspong");

export class NodeManagedSession implements ManagedConnection {
  private events: ManagedConnectionEvents = {};
  private open = 0;

  constructor(private readonly session: http2.ServerHttp2Session) {}

  attach(events: ManagedConnectionEvents): void {
    this.events = events;
    this.session.on("ping", () => this.events.onPing?.());
    this.session.once("close", () => this.events.onClose?.());
  }

  streamOpened(stream: http2.ServerHttp2Stream): void {
    this.open++;
    this.events.onStreamOpened?.();
    stream.once("close", () => {
      this.open--;
      this.events.onStreamClosed?.();
    });
  }

  get activeStreams(): number {
    return this.open;
  }

  ping(callback: (error: Error | null) => void): boolean {
    if (this.session.closed || this.session.destroyed) return false;
    try {
      return this.session.ping(PING_PAYLOAD, (error) => callback(error ?? null));
    } catch {
      return false; // ERR_HTTP2_PING_LENGTH / too many outstanding: not sent
    }
  }

  goawayGracefully(): void {
    if (this.session.closed || this.session.destroyed) return;
    this.session.close(); // GOAWAY(NO_ERROR); open streams finish, then the session closes
  }

  goawayAndClose(code: number, debugData: string): void {
    if (this.session.destroyed) return;
    try {
      this.session.goaway(code, 0x7fffffff, Buffer.from(debugData)); // no stream is declared unprocessed: none is retried unsafely
    } catch {
      // the session is already closing: the destroy below still ends it
    }
    const timer = setTimeout(() => { if (!this.session.destroyed) this.session.destroy(); }, GOAWAY_FLUSH_MS);
    timer.unref();
    this.session.close();
  }

  destroy(error: Error): void {
    if (!this.session.destroyed) this.session.destroy(error);
  }
}
