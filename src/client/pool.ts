/**
 * The connection pool seam: which HTTP/2 session carries the next call.
 *
 * - Each target keeps up to `maxSessions` sessions open (the client's `connections` option); a call goes to the
 *   least-loaded usable session below the peer's MAX_CONCURRENT_STREAMS. A busy target grows to `maxSessions` in
 *   the background; when every session is at the peer's limit, further sessions open on demand up to
 *   `maxSessionsPerTarget`; past that, calls wait in the pool until a stream frees up.
 * - Targets are used round-robin; a target whose connects fail is skipped while it backs off (exponential,
 *   jittered, as in gRPC's connection-backoff.md) and retried in the background until it answers again.
 * - GOAWAY takes a session out of rotation at once (its calls in flight finish) and a replacement opens; a
 *   broken session is replaced the same way.
 * - Keepalive pings are off by default; when on, a session whose ping is not answered in time is destroyed.
 *
 * pick() is the client's hot path: when an open session has room it returns it synchronously without allocating.
 */
import type { ClientSession, ClientSessionEvents } from "../engine/types.js";
import { errors } from "../errors/catalog.js";
import { type Address, formatAddress } from "../transport/address.js";
import type { Connector } from "./connector.js";

/** gRPC's connection-backoff.md defaults. */
export interface BackoffOptions {
  /** Delay after the first failed connect. */
  initialMs: number;
  /** Each further failure multiplies the delay by this. */
  multiplier: number;
  /** The delay is spread uniformly over +-jitter of itself (0.2 = +-20%). */
  jitter: number;
  /** No delay grows past this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffOptions> = Object.freeze({ initialMs: 1000, multiplier: 1.6, jitter: 0.2, maxMs: 120_000 });

/** A session's peer limit before its SETTINGS arrive, when no earlier session to that target told us (RFC 9113 advises >= 100). */
const PROVISIONAL_STREAM_LIMIT = 100;
/** Default hard cap on sessions per target: this many times `maxSessions`, at least this many. */
const HARD_LIMIT_FACTOR = 4;
const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
/** A session that breaks sooner than this after opening counts as a failed connect (backoff, not an instant replacement). */
const MIN_HEALTHY_SESSION_MS = 1000;
/** How often calls waiting for a free stream (every session full, no more may open) look again. */
const ROOM_POLL_MS = 1;

export interface PoolOptions {
  /** Sessions per target kept open when busy (the client's `connections`, default 1). */
  maxSessions: number;
  connectTimeoutMs: number;
  /**
   * Hard cap of sessions per target, opened only while every session is at the peer's MAX_CONCURRENT_STREAMS
   * (default max(4, 4 x maxSessions)). Past it, calls wait in the pool for a free stream.
   */
  maxSessionsPerTarget?: number;
  /** Reconnect backoff (default: gRPC's 1 s x 1.6 per failure, +-20% jitter, at most 120 s). */
  backoff?: Partial<BackoffOptions>;
  /** Sends an HTTP/2 PING on each session this often (ms); 0 or absent = off. gRPC advises >= 60000. */
  keepaliveIntervalMs?: number;
  /** A ping not answered within this long (ms) destroys its session (default 20000). */
  keepaliveTimeoutMs?: number;
  /** Injected time and randomness (tests). */
  clock?: PoolClock;
}

export interface PoolClock {
  now(): number;
  /** Uniform in [0, 1). */
  random(): number;
}

const SYSTEM_CLOCK: PoolClock = { now: () => Date.now(), random: () => Math.random() };

/**
 * An engine session that can send HTTP/2 PINGs. Optional in the engine seam: keepalive is skipped for engines
 * without it.
 */
export interface PingableSession extends ClientSession {
  /** Sends a PING; the callback runs on its ACK or with the error that prevented it. False if it could not be sent. */
  ping(callback: (error: Error | null) => void): boolean;
}

function canPing(session: ClientSession): session is PingableSession {
  return typeof (session as Partial<PingableSession>).ping === "function";
}

/** The engine events the pool listens to; `onRemoteSettings` is used when the engine reports it. */
interface PoolSessionEvents extends ClientSessionEvents {
  onRemoteSettings?(): void;
}

/** Delay before connect attempt number `failures + 1`, after `failures` (>= 1) consecutive failures. */
export function backoffDelay(failures: number, options: BackoffOptions, random: () => number): number {
  const base = Math.min(options.maxMs, options.initialMs * Math.pow(options.multiplier, Math.max(0, failures - 1)));
  const spread = base * options.jitter;
  return Math.max(0, Math.round(base - spread + random() * 2 * spread));
}

class Target {
  readonly sessions: ClientSession[] = [];
  readonly label: string;
  /** Connects in flight. */
  connecting = 0;
  /** Consecutive failed connects; 0 once one succeeds. */
  failures = 0;
  /** No foreground connect before this time (backoff); background retries run on `retryTimer`. */
  retryAt = 0;
  retryTimer: NodeJS.Timeout | undefined;
  lastError: unknown;
  /** The peer's MAX_CONCURRENT_STREAMS as an earlier session saw it (0 = not known yet). */
  learnedLimit = 0;
  constructor(readonly address: Address) {
    this.label = formatAddress(address);
  }
}

interface Waiter {
  resolve(session: ClientSession): void;
  reject(error: unknown): void;
}

export class ConnectionPool {
  private readonly targets: Target[];
  /** Sessions per target kept when busy. */
  private readonly preferred: number;
  private readonly hardLimit: number;
  private readonly backoff: BackoffOptions;
  private readonly clock: PoolClock;
  private readonly keepaliveIntervalMs: number;
  private readonly keepaliveTimeoutMs: number;
  private readonly keepalives = new Map<ClientSession, NodeJS.Timeout>();
  /** Calls waiting for a session (slow path only). */
  private waiters: Waiter[] = [];
  /** Aborts connects in flight when the pool closes (a caller's own signal must not cancel a shared connect). */
  private readonly closing = new AbortController();
  private pollTimer: NodeJS.Timeout | undefined;
  private next = 0;
  private closed = false;

  constructor(addresses: readonly Address[], private readonly connector: Connector, private readonly options: PoolOptions) {
    if (addresses.length === 0) throw new TypeError("a connection pool needs at least one target");
    this.targets = addresses.map((address) => new Target(address));
    const preferred = Math.max(1, Math.floor(options.maxSessions));
    this.preferred = preferred;
    this.hardLimit = Math.max(preferred, Math.floor(options.maxSessionsPerTarget ?? Math.max(HARD_LIMIT_FACTOR, preferred * HARD_LIMIT_FACTOR)));
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.keepaliveIntervalMs = Math.max(0, options.keepaliveIntervalMs ?? 0);
    this.keepaliveTimeoutMs = Math.max(1, options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS);
  }

  /**
   * The session for the next call: synchronously when one is open and has room (the hot path), else the promise
   * of one. Rejects with UNAVAILABLE when no target can be reached.
   */
  pick(_signal?: AbortSignal): ClientSession | Promise<ClientSession> {
    if (this.closed) return Promise.reject(errors.connectionClosed("client is closed"));
    const targets = this.targets;
    const count = targets.length;
    for (let attempt = 0; attempt < count; attempt++) {
      const target = targets[this.next] as Target;
      this.next = this.next + 1 === count ? 0 : this.next + 1;
      const session = this.leastLoaded(target);
      if (session !== undefined) {
        // Busy but below the configured count: grow in the background, keep using what is open.
        if (session.activeStreams > 0 && target.connecting === 0 && target.sessions.length < this.preferred && target.failures === 0) {
          this.connect(target);
        }
        return session;
      }
      // A target without sessions (never used, or recovered from backoff) joins the rotation once its connect lands.
      if (target.sessions.length === 0 && target.connecting === 0 && target.retryTimer === undefined) this.connect(target);
    }
    return this.slowPick();
  }

  /** Closes every session; calls in flight finish first unless `force`. */
  close(force = false): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    clearTimeout(this.pollTimer);
    for (const timer of this.keepalives.values()) clearInterval(timer);
    this.keepalives.clear();
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter.reject(errors.connectionClosed("client is closed"));
    for (const target of this.targets) {
      clearTimeout(target.retryTimer);
      for (const session of target.sessions.splice(0)) {
        if (force) session.destroy();
        else session.close();
      }
    }
  }

  /** Open sessions per target, for tests and diagnostics. */
  sessionCounts(): number[] {
    return this.targets.map((target) => target.sessions.length);
  }

  /* ------------------------------------------------------------------ choosing a session */

  /** The usable session of `target` with the fewest streams, among those below the peer's limit. */
  private leastLoaded(target: Target): ClientSession | undefined {
    let best: ClientSession | undefined;
    let bestLoad = 0;
    const sessions = target.sessions;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i] as ClientSession;
      if (!session.usable) continue;
      const load = session.activeStreams;
      if (load >= this.limitOf(session, target)) continue;
      if (best === undefined || load < bestLoad) {
        best = session;
        bestLoad = load;
      }
    }
    return best;
  }

  /** The peer's stream limit for this session; until its SETTINGS arrive, what another session to the same target learned. */
  private limitOf(session: ClientSession, target: Target): number {
    const limit = session.maxConcurrentStreams;
    if (limit !== Infinity) {
      if (limit !== target.learnedLimit) target.learnedLimit = limit;
      return limit;
    }
    return target.learnedLimit > 0 ? target.learnedLimit : PROVISIONAL_STREAM_LIMIT;
  }

  /** No target has an open session with room: open one, wait for one being opened or for a stream to free up. */
  private slowPick(): ClientSession | Promise<ClientSession> {
    if (!this.startConnectsFor(this.waiters.length + 1) && !this.hasUsableSession()) return Promise.reject(this.unreachable());
    const waiting = new Promise<ClientSession>((resolve, reject) => this.waiters.push({ resolve, reject }));
    this.pollForRoom();
    return waiting;
  }

  /**
   * Starts connects so that `demand` waiting calls will find room, where targets allow (not backing off, below
   * the hard limit). True when at least one connect is in flight afterwards, i.e. waiting makes sense.
   */
  private startConnectsFor(demand: number): boolean {
    const now = this.clock.now();
    let inFlight = false;
    const count = this.targets.length;
    for (let i = 0; i < count; i++) {
      const target = this.targets[(this.next + i) % count] as Target;
      if (target.connecting > 0) {
        // One connect per target at a time until the peer's limit is known, then as many as the demand needs.
        const perSession = target.learnedLimit > 0 ? target.learnedLimit : PROVISIONAL_STREAM_LIMIT;
        const more = target.connecting * perSession < demand;
        if (more && target.learnedLimit > 0 && target.sessions.length + target.connecting < this.hardLimit) this.connect(target);
        inFlight = true;
        continue;
      }
      if (now < target.retryAt || target.sessions.length >= this.hardLimit) continue;
      this.connect(target);
      inFlight = true;
      // Spread new sessions over targets: the first target able to connect takes this demand.
      break;
    }
    return inFlight || this.targets.some((target) => target.connecting > 0);
  }

  private hasUsableSession(): boolean {
    for (const target of this.targets) for (const session of target.sessions) if (session.usable) return true;
    return false;
  }

  /**
   * Every session is at the peer's limit and no more may open: check again shortly. (The engine seam reports no
   * stream ends, and node:http2 would send the stream anyway and have it refused, so calls wait here.)
   */
  private pollForRoom(): void {
    if (this.pollTimer !== undefined || this.waiters.length === 0 || this.closed) return;
    if (this.targets.some((target) => target.connecting > 0)) return; // a session about to open serves them
    this.pollTimer = setTimeout(() => {
      this.pollTimer = undefined;
      this.serveWaiters();
    }, ROOM_POLL_MS);
  }

  /** Hands sessions to waiting calls after a session opened or a connect failed. */
  private serveWaiters(): void {
    if (this.waiters.length === 0) return;
    // A waiter's stream starts a microtask after it is resolved, so count what this pass hands out.
    const handedOut = new Map<ClientSession, number>();
    const waiters = this.waiters;
    let served = 0;
    for (; served < waiters.length; served++) {
      const session = this.withRoom(handedOut);
      if (session === undefined) break;
      handedOut.set(session, (handedOut.get(session) ?? 0) + 1);
      (waiters[served] as Waiter).resolve(session);
    }
    this.waiters = waiters.slice(served);
    if (this.waiters.length === 0) return;
    if (this.startConnectsFor(this.waiters.length)) return;
    if (this.hasUsableSession()) {
      this.pollForRoom();
      return;
    }
    // Nothing is open and nothing can open now: fail fast (gRPC's behaviour for calls that are not wait-for-ready).
    const rest = this.waiters;
    this.waiters = [];
    const error = this.unreachable();
    for (const waiter of rest) waiter.reject(error);
  }

  /** Round-robin over targets: a session below its limit counting what was handed out in this pass. */
  private withRoom(handedOut: Map<ClientSession, number>): ClientSession | undefined {
    const count = this.targets.length;
    for (let attempt = 0; attempt < count; attempt++) {
      const target = this.targets[this.next] as Target;
      this.next = this.next + 1 === count ? 0 : this.next + 1;
      let best: ClientSession | undefined;
      let bestLoad = Infinity;
      for (const session of target.sessions) {
        if (!session.usable) continue;
        const load = session.activeStreams + (handedOut.get(session) ?? 0);
        if (load < this.limitOf(session, target) && load < bestLoad) {
          best = session;
          bestLoad = load;
        }
      }
      if (best !== undefined) return best;
    }
    return undefined;
  }

  private unreachable(): Error {
    // The target that failed last explains best why nothing is reachable.
    let cause: Target | undefined;
    for (const target of this.targets) if (target.failures > 0 && (cause === undefined || target.retryAt > cause.retryAt)) cause = target;
    if (cause === undefined) return errors.connectionClosed("no session is available");
    return errors.connectFailed(cause.label, cause.lastError);
  }

  /* ------------------------------------------------------------------ connecting */

  private connect(target: Target): void {
    if (this.closed) return;
    target.connecting++;
    let session: ClientSession | undefined;
    let settled = false;
    let openedAt = 0;
    const events: PoolSessionEvents = {
      onGoaway: () => this.retire(target, session, false),
      onClose: (error) => {
        if (!settled || !this.retire(target, session, true)) return;
        // A peer that accepts and then drops every connection must not be reconnected in a tight loop.
        if (this.clock.now() - openedAt < MIN_HEALTHY_SESSION_MS) this.connectFailed(target, error ?? new Error("the connection closed right after it opened"));
        else this.replace(target);
      },
      onRemoteSettings: () => this.serveWaiters(),
    };
    this.connector({ address: target.address, timeoutMs: this.options.connectTimeoutMs, signal: this.closing.signal, events }).then(
      (opened) => {
        settled = true;
        session = opened;
        target.connecting--;
        if (this.closed) {
          opened.destroy();
          return;
        }
        if (!opened.usable) {
          this.connectFailed(target, new Error("the session closed during its handshake"));
          return;
        }
        target.failures = 0;
        target.retryAt = 0;
        clearTimeout(target.retryTimer);
        target.retryTimer = undefined;
        openedAt = this.clock.now();
        target.sessions.push(opened);
        this.startKeepalive(opened);
        this.serveWaiters();
      },
      (error: unknown) => {
        settled = true;
        target.connecting--;
        if (this.closed) return;
        this.connectFailed(target, error);
      },
    );
  }

  private connectFailed(target: Target, error: unknown): void {
    target.failures++;
    target.lastError = error;
    const delay = backoffDelay(target.failures, this.backoff, this.clock.random);
    target.retryAt = this.clock.now() + delay;
    this.scheduleRetry(target, delay);
    this.serveWaiters();
  }

  /** Keeps trying a failed target in the background so that it rejoins the rotation once it answers. */
  private scheduleRetry(target: Target, delay: number): void {
    clearTimeout(target.retryTimer);
    target.retryTimer = setTimeout(() => {
      target.retryTimer = undefined;
      if (this.closed || target.connecting > 0 || target.sessions.some((session) => session.usable)) return;
      this.connect(target);
    }, delay);
    // Retries alone must not keep the process alive.
    target.retryTimer.unref();
  }

  /**
   * GOAWAY or close: out of rotation now (after GOAWAY its calls in flight finish). True when the session was
   * still in rotation; a GOAWAY also opens its replacement here.
   */
  private retire(target: Target, session: ClientSession | undefined, closed: boolean): boolean {
    if (session === undefined) return false;
    const index = target.sessions.indexOf(session);
    if (index < 0) return false;
    target.sessions.splice(index, 1);
    const keepalive = this.keepalives.get(session);
    if (keepalive !== undefined) {
      clearInterval(keepalive);
      this.keepalives.delete(session);
    }
    if (!closed) {
      session.close(); // the engine closes once the streams in flight are done
      this.replace(target);
    }
    return !this.closed;
  }

  /** Opens a replacement for a retired session at once, unless the target is backing off or enough are open. */
  private replace(target: Target): void {
    if (this.closed || target.connecting > 0 || target.sessions.length >= this.preferred) return;
    if (this.clock.now() < target.retryAt) return;
    this.connect(target);
  }

  /* ------------------------------------------------------------------ keepalive */

  private startKeepalive(session: ClientSession): void {
    if (this.keepaliveIntervalMs === 0 || !canPing(session)) return;
    const timer = setInterval(() => this.ping(session), this.keepaliveIntervalMs);
    timer.unref();
    this.keepalives.set(session, timer);
  }

  private ping(session: PingableSession): void {
    if (!session.usable) return;
    let answered = false;
    const deadline = setTimeout(() => {
      if (!answered) session.destroy(new Error(`keepalive ping not answered within ${this.keepaliveTimeoutMs} ms`));
    }, this.keepaliveTimeoutMs);
    deadline.unref();
    const sent = session.ping((error) => {
      answered = true;
      clearTimeout(deadline);
      if (error !== null) session.destroy(error);
    });
    if (!sent) {
      answered = true;
      clearTimeout(deadline);
    }
  }
}
