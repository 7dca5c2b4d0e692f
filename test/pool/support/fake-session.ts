/** A ClientSession double for pool unit tests: no network, controllable load, pings and failure. */
import type { ClientSession, ClientSessionEvents, ClientStream } from "../../../src/engine/types.js";
import type { PingableSession } from "../../../src/client/pool.js";

export class FakeSession implements PingableSession {
  activeStreams = 0;
  maxConcurrentStreams = 100;
  usable = true;
  pings = 0;
  destroyedWith: Error | undefined;
  /** "answer": every ping is acknowledged; "silent": none is. */
  constructor(private readonly events: ClientSessionEvents, private readonly pingMode: "answer" | "silent" = "answer") {}

  request(): ClientStream {
    throw new Error("FakeSession carries no streams");
  }
  ping(callback: (error: Error | null) => void): boolean {
    this.pings++;
    if (this.pingMode === "answer") setImmediate(() => callback(null));
    return true;
  }
  close(): void {
    this.end();
  }
  destroy(error?: Error): void {
    this.destroyedWith = error ?? new Error("destroyed");
    this.end();
  }
  /** The peer sent GOAWAY with this code and debug data. */
  goaway(code: number, debugData: string): void {
    this.usable = false;
    this.events.onGoaway?.(code, debugData);
  }
  /** The peer closed the connection. */
  breakConnection(): void {
    this.end();
  }
  private end(): void {
    if (!this.usable) return;
    this.usable = false;
    this.events.onClose?.(this.destroyedWith);
  }
}

export function isFake(session: ClientSession): session is FakeSession {
  return session instanceof FakeSession;
}
