/**
 * The connection pool seam: which HTTP/2 session carries the next call. Sessions open on demand up to
 * `maxSessions` per target; a call goes to the least-loaded usable session that is below the peer's
 * MAX_CONCURRENT_STREAMS; targets are used round-robin. A session that received GOAWAY or closed is dropped and
 * replaced on the next call.
 */
import type { ClientSession } from "../engine/types.js";
import { errors } from "../errors/catalog.js";
import { type Address, formatAddress } from "../transport/address.js";
import type { Connector } from "./connector.js";

/** Beyond `maxSessions`, sessions whose streams are all in use may grow the pool up to this factor. */
const HARD_LIMIT_FACTOR = 4;

export interface PoolOptions {
  /** Sessions per target (default 1). */
  maxSessions: number;
  connectTimeoutMs: number;
}

class TargetSessions {
  readonly sessions: ClientSession[] = [];
  connecting: Promise<ClientSession> | null = null;
  constructor(readonly address: Address) {}
}

export class ConnectionPool {
  private readonly targets: TargetSessions[];
  private next = 0;
  private closed = false;

  constructor(addresses: readonly Address[], private readonly connector: Connector, private readonly options: PoolOptions) {
    this.targets = addresses.map((address) => new TargetSessions(address));
  }

  /**
   * The session for the next call: synchronously when one is open and has room (the hot path), else the promise
   * of a new one. Rejects with UNAVAILABLE when the target cannot be reached.
   */
  pick(signal?: AbortSignal): ClientSession | Promise<ClientSession> {
    if (this.closed) return Promise.reject(errors.connectionClosed("client is closed"));
    const targets = this.targets;
    const count = targets.length;
    for (let attempt = 0; attempt < count; attempt++) {
      const target = targets[this.next];
      this.next = this.next + 1 === count ? 0 : this.next + 1;
      if (target === undefined) continue;
      const session = this.leastLoaded(target);
      if (session !== undefined) {
        // Busy but below the configured count: grow in the background, keep using what is open.
        if (session.activeStreams > 0 && target.connecting === null && target.sessions.length < this.options.maxSessions) {
          this.open(target).catch(() => undefined);
        }
        return session;
      }
      if (target.connecting) return target.connecting;
      // No usable session: none open yet, all closed, or all at the peer's stream limit.
      if (target.sessions.length < this.options.maxSessions * HARD_LIMIT_FACTOR) return this.open(target, signal);
    }
    return Promise.reject(errors.connectionClosed("every session is at its stream limit"));
  }

  private leastLoaded(target: TargetSessions): ClientSession | undefined {
    let best: ClientSession | undefined;
    const sessions = target.sessions;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i];
      if (session === undefined || !session.usable) continue;
      if (session.activeStreams >= session.maxConcurrentStreams) continue;
      if (best === undefined || session.activeStreams < best.activeStreams) best = session;
    }
    return best;
  }

  private open(target: TargetSessions, signal?: AbortSignal): Promise<ClientSession> {
    // One connect at a time per target: a burst of first calls shares it.
    if (target.connecting) return target.connecting;
    const connecting = this.connector({
      address: target.address,
      timeoutMs: this.options.connectTimeoutMs,
      ...(signal ? { signal } : {}),
      events: {
        onGoaway: () => this.drop(target, session),
        onClose: () => this.drop(target, session),
      },
    }).then(
      (opened) => {
        session = opened;
        target.connecting = null;
        if (this.closed) {
          opened.destroy();
          throw errors.connectionClosed("client is closed");
        }
        target.sessions.push(opened);
        return opened;
      },
      (error: unknown) => {
        target.connecting = null;
        throw errors.connectFailed(formatAddress(target.address), error);
      },
    );
    let session: ClientSession | undefined;
    target.connecting = connecting;
    return connecting;
  }

  private drop(target: TargetSessions, session: ClientSession | undefined): void {
    if (session === undefined) return;
    const index = target.sessions.indexOf(session);
    if (index >= 0) target.sessions.splice(index, 1);
    // GOAWAY: in-flight streams finish on their own; close() lets the session go once they have.
    session.close();
  }

  /** Closes every session; calls in flight finish first unless `force`. */
  close(force = false): void {
    this.closed = true;
    for (const target of this.targets) {
      for (const session of target.sessions.splice(0)) {
        if (force) session.destroy();
        else session.close();
      }
    }
  }
}
