/**
 * The least a socket must do for the engine (events, write, end, destroy), in memory: a test decides exactly where
 * one input chunk ends and the next begins (`feed`), which a real TCP socket does not promise.
 */
import { EventEmitter } from "node:events";
import type { Duplex } from "node:stream";

export class MemorySocket extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  readonly written: Buffer[] = [];

  write(chunk: Uint8Array): boolean {
    this.written.push(Buffer.from(chunk));
    return true;
  }

  end(): this {
    return this.destroy();
  }

  destroy(): this {
    if (!this.destroyed) {
      this.destroyed = true;
      process.nextTick(() => this.emit("close"));
    }
    return this;
  }

  /** Delivers one input chunk to the engine. */
  feed(chunk: Uint8Array): void {
    this.emit("data", Buffer.from(chunk));
  }

  asDuplex(): Duplex {
    return this as unknown as Duplex;
  }
}
