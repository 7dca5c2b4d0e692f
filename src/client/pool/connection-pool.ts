/**
 * The connection pool seam: which HTTP/2 session carries the next call.
 *
 * - Each target keeps up to `maxSessions` sessions open (the client's `connections` option); a call goes to the
 *   least-loaded usable session below the peer's MAX_CONCURRENT_STREAMS. A busy target grows to `maxSessions` in
 *   the background; when every session is at the peer's limit, further sessions open on demand up to
 *   `maxSessionsPerTarget`; past that, calls wait in the pool until the engine reports a stream closed.
 * - The targets (addresses) come from a resolver (setAddresses) and may change while calls run; a target that
 *   leaves the list has its sessions closed gracefully. Connect failures, GOAWAY and broken sessions ask the
 *   resolver for fresh addresses (`requestResolution`).
 * - round_robin (default) rotates calls over every target with a ready session; pick_first sends every call to the
 *   first target in resolver order that is ready, trying the next one only while an earlier one backs off.
 * - The pool starts idle, like a gRPC channel, until the first call; then round_robin connects every listed target
 *   at once, and each new address list its new targets (as gRPC's does); pick_first connects on demand.
 *   A target whose connects fail is skipped while it backs off (exponential, jittered, as in gRPC's
 *   connection-backoff.md) and retried in the background until it answers again.
 * - When nothing is reachable calls fail fast with UNAVAILABLE, unless `waitForReady`: then they wait until their
 *   deadline for a target to come back (or for the resolver's first answer, which every call waits for).
 * - GOAWAY takes a session out of rotation at once (its calls in flight finish) and a replacement opens; a
 *   broken session is replaced the same way.
 * - A waiting call leaves the queue when its signal aborts or its deadline passes.
 * - Keepalive pings are off by default; when on, a session whose ping is not answered in time is destroyed, and a
 *   GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") doubles the interval for the target's new sessions (gRPC A8).
 *
 * pick() is the client's hot path: when an open session has room it returns it synchronously without allocating.
 */
import type { ClientSession, ClientSessionEvents } from "../../engine/types.js";
import { errors } from "../../errors/catalog.js";
import { Code } from "../../errors/codes.js";
import { GrpcError } from "../../errors/grpc-error.js";
import { type Address, formatAddress } from "../../transport/address.js";
import type { Connector } from "../connector.js";
import { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
import { type PoolClock, resolveClock } from "./clock.js";
import { Keepalive } from "./keepalive.js";
import type { LoadBalancingPolicy, SubchannelInfo } from "./policy.js";
import { Target, unreachableStatus } from "./target.js";
import { WaitingCalls, abortStatus } from "./waiting-calls.js";

/** Default hard cap on sessions per target: this many times `maxSessions`, at least this many. */
const HARD_LIMIT_FACTOR = 4;
const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
/** RFC 9113 section 7, and the debug data gRPC servers send with it when pinged too often (A8). */
const ENHANCE_YOUR_CALM = 0x0b;
const TOO_MANY_PINGS = "too_many_pings";
/** A session that breaks sooner than this after opening counts as a failed connect (backoff, not an instant replacement). */
const MIN_HEALTHY_SESSION_MS = 1000;

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
  /** Injected time, timers and randomness (tests); what is left out comes from the system. */
  clock?: Partial<PoolClock>;
  /** How calls spread over the targets (default "round_robin"). */
  loadBalancing?: LoadBalancingPolicy;
  /** Calls wait until their deadline while nothing is reachable, instead of failing fast with UNAVAILABLE. */
  waitForReady?: boolean;
  /** Called when a connect fails or a session gets GOAWAY or breaks: the addresses may be stale. */
  requestResolution?: () => void;
  /** The :authority of every session (the resolver's target name); absent: each address's own. */
  authority?: string;
}


export class ConnectionPool {
  private targets: Target[];
  private readonly pickFirst: boolean;
  private readonly waitForReady: boolean;
  /** The last resolution failure, while no addresses are known (calls then fail with it unless waitForReady). */
  private resolutionError: GrpcError | undefined;
  /** Sessions per target kept when busy. */
  private readonly preferred: number;
  private readonly hardLimit: number;
  private readonly backoff: BackoffOptions;
  private readonly clock: PoolClock;
  private readonly keepalive: Keepalive;
  private readonly waiting: WaitingCalls;
  /** Aborts connects in flight when the pool closes (a caller's own signal must not cancel a shared connect). */
  private readonly closing = new AbortController();
  private next = 0;
  private closed = false;
  /** A call has asked for a session (gRPC's channel leaving IDLE): round_robin now connects every target eagerly. */
  private active = false;

  constructor(addresses: readonly Address[], private readonly connector: Connector, private readonly options: PoolOptions) {
    // No addresses yet: calls wait for the resolver's first answer (setAddresses / resolutionFailed).
    this.targets = addresses.map((address) => new Target(address));
    this.pickFirst = options.loadBalancing === "pick_first";
    this.waitForReady = options.waitForReady === true;
    const preferred = Math.max(1, Math.floor(options.maxSessions));
    this.preferred = preferred;
    this.hardLimit = Math.max(preferred, Math.floor(options.maxSessionsPerTarget ?? Math.max(HARD_LIMIT_FACTOR, preferred * HARD_LIMIT_FACTOR)));
    this.backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.clock = resolveClock(options.clock);
    this.keepalive = new Keepalive(Math.max(0, options.keepaliveIntervalMs ?? 0), Math.max(1, options.keepaliveTimeoutMs ?? DEFAULT_KEEPALIVE_TIMEOUT_MS), this.clock);
    this.waiting = new WaitingCalls(this.clock);
  }

  /**
   * The session for the next call: synchronously when one is open and has room (the hot path), else the promise
   * of one. While it waits, `signal` aborting or `timeoutMs` passing takes the call out of the queue (it fails with
   * the signal's status or DEADLINE_EXCEEDED). Rejects with UNAVAILABLE when no target can be reached.
   */
  pick(signal?: AbortSignal, timeoutMs?: number, waitForReady?: boolean): ClientSession | Promise<ClientSession> {
    if (this.closed) return Promise.reject(errors.connectionClosed("client is closed"));
    return this.select(undefined) ?? this.wait(signal, timeoutMs, waitForReady ?? this.waitForReady);
  }

  /** Closes every session; calls in flight finish first unless `force`. */
  close(force = false): void {
    if (this.closed) return;
    this.closed = true;
    this.closing.abort();
    this.keepalive.stopAll();
    this.waiting.rejectAll(errors.connectionClosed("client is closed"));
    for (const target of this.targets) {
      target.stop();
      for (const session of target.sessions.splice(0)) {
        if (force) session.destroy();
        else session.close();
      }
    }
  }

  /**
   * The resolver's current addresses. Targets still listed keep their sessions and state; new ones join (and
   * connect on demand); the sessions of targets no longer listed close once their calls finish.
   */
  setAddresses(addresses: readonly Address[]): void {
    if (this.closed) return;
    // An empty list is an answer too: no backends, so calls fail fast (or wait, with waitForReady) as in gRPC.
    this.resolutionError = addresses.length === 0 ? new GrpcError(Code.UNAVAILABLE, "name resolution returned no addresses") : undefined;
    const previous = new Map<string, Target>();
    for (const target of this.targets) previous.set(target.label, target);
    const targets: Target[] = [];
    for (const address of addresses) {
      const label = formatAddress(address);
      if (targets.some((target) => target.label === label)) continue;
      const kept = previous.get(label);
      previous.delete(label);
      targets.push(kept ?? new Target(address));
    }
    this.targets = targets;
    this.next = targets.length === 0 ? 0 : this.next % targets.length;
    for (const gone of previous.values()) this.drop(gone);
    this.connectEveryIdleTarget();
    this.serveWaiters();
  }

  /** The resolver failed. Known addresses stay in use; without any, waiting calls fail unless waitForReady. */
  resolutionFailed(error: Error): void {
    if (this.closed) return;
    this.resolutionError = new GrpcError(Code.UNAVAILABLE, `name resolution failed: ${error.message}`, { cause: error });
    if (this.targets.length === 0) this.serveWaiters();
  }

  /** Each target's connectivity state (idle, connecting, ready, transient_failure), in resolver order. */
  subchannels(): SubchannelInfo[] {
    return this.targets.map((target) => ({ address: target.label, state: target.connectivity, sessions: target.sessions.length }));
  }

  /** Open sessions per target, for tests and diagnostics. */
  sessionCounts(): number[] {
    return this.targets.map((target) => target.sessions.length);
  }

  /** Calls waiting for a session, for tests and diagnostics. */
  waitingCalls(): number {
    return this.waiting.length;
  }

  /* ------------------------------------------------------------------ choosing a session */

  /**
   * Round-robin over targets: the roomiest session of the next target that has one, counting `handedOut` (given
   * to waiting calls in this pass). A busy target grows in the background; an empty idle one starts connecting.
   */
  private select(handedOut: ReadonlyMap<ClientSession, number> | undefined): ClientSession | undefined {
    if (this.pickFirst) return this.selectFirst(handedOut);
    const targets = this.targets;
    const count = targets.length;
    for (let attempt = 0; attempt < count; attempt++) {
      const target = targets[this.next] as Target;
      this.next = this.next + 1 === count ? 0 : this.next + 1;
      const session = target.roomiest(handedOut);
      if (session !== undefined) {
        // Busy but below the configured count: grow in the background, keep using what is open.
        if (session.activeStreams > 0 && target.state.kind === "idle" && target.sessions.length < this.preferred) this.connect(target);
        return session;
      }
      // A target without sessions (never used, or recovered from backoff) joins the rotation once its connect lands.
      if (target.sessions.length === 0 && target.state.kind === "idle") this.connect(target);
    }
    return undefined;
  }

  /**
   * pick_first: the first target in resolver order that is ready. A target that is connecting (or ready but full)
   * is waited for; one that backs off is passed over for the next; an idle one starts connecting.
   */
  private selectFirst(handedOut: ReadonlyMap<ClientSession, number> | undefined): ClientSession | undefined {
    const targets = this.targets;
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as Target;
      const session = target.roomiest(handedOut);
      if (session !== undefined) {
        if (session.activeStreams > 0 && target.state.kind === "idle" && target.sessions.length < this.preferred) this.connect(target);
        return session;
      }
      if (target.inFlight > 0 || target.hasUsableSession()) return undefined;
      if (target.state.kind === "idle") {
        this.connect(target);
        return undefined;
      }
    }
    return undefined;
  }

  /** No target has an open session with room: open one, and wait for it or for a stream to free up. */
  private wait(signal: AbortSignal | undefined, timeoutMs: number | undefined, waitForReady: boolean): Promise<ClientSession> {
    if (signal?.aborted === true) return Promise.reject(abortStatus(signal));
    if (!this.active) {
      // The first call that found no session (the hot path never gets here once a session is open).
      this.active = true;
      this.connectEveryIdleTarget();
    }
    if (this.targets.length === 0) {
      // The resolver has not answered yet, or answered nothing: wait for it unless it failed (and not waitForReady).
      if (this.resolutionError !== undefined && !waitForReady) return Promise.reject(this.resolutionError);
      return this.waiting.add(signal, timeoutMs, waitForReady);
    }
    if (!this.startConnectsFor(this.waiting.length + 1) && !this.hasUsableSession() && !waitForReady) return Promise.reject(this.unreachable());
    return this.waiting.add(signal, timeoutMs, waitForReady);
  }

  /**
   * Starts connects so that `demand` waiting calls will find room, where targets allow (not backing off, below
   * the hard limit). True when at least one connect is in flight afterwards, i.e. waiting makes sense.
   */
  private startConnectsFor(demand: number): boolean {
    const now = this.clock.now();
    let inFlight = false;
    const count = this.targets.length;
    const first = this.pickFirst ? 0 : this.next;
    for (let i = 0; i < count; i++) {
      const target = this.targets[(first + i) % count] as Target;
      if (target.inFlight > 0) {
        // One connect per target at a time until the peer's limit is known, then as many as the demand needs.
        const more = target.inFlight * target.streamsPerSession < demand;
        if (more && target.learnedLimit > 0 && target.sessions.length + target.inFlight < this.hardLimit) this.connect(target);
        inFlight = true;
        if (this.pickFirst) break; // pick_first waits for the earliest target that is connecting
        continue;
      }
      if (!target.mayConnect(now) || target.sessions.length >= this.hardLimit) continue;
      this.connect(target);
      inFlight = true;
      // Spread new sessions over targets: the first target able to connect takes this demand.
      break;
    }
    return inFlight || this.targets.some((target) => target.inFlight > 0);
  }

  private hasUsableSession(): boolean {
    for (const target of this.targets) if (target.hasUsableSession()) return true;
    return false;
  }

  /** Hands sessions to waiting calls; runs when a session opens, a stream closes, a connect fails or SETTINGS change. */
  private serveWaiters(): void {
    if (this.waiting.length === 0 || this.closed) return;
    // A waiter's stream starts a microtask after it is resolved, so count what this pass hands out.
    const handedOut = new Map<ClientSession, number>();
    this.waiting.serve(() => {
      const session = this.select(handedOut);
      if (session !== undefined) handedOut.set(session, (handedOut.get(session) ?? 0) + 1);
      return session;
    });
    if (this.waiting.length === 0) return;
    // The rest wait for a session being opened, or for a stream of an open session to close.
    if (this.startConnectsFor(this.waiting.length) || this.hasUsableSession()) return;
    // Nothing is open and nothing can open now: fail fast (gRPC's behaviour for calls that are not wait-for-ready).
    // waitForReady calls stay until a background retry or a new address list serves them, or their deadline.
    if (this.targets.length === 0 && this.resolutionError === undefined) return;
    this.waiting.rejectFailFast(this.unreachable());
  }

  private unreachable(): Error {
    if (this.targets.length === 0) return this.resolutionError ?? errors.connectionClosed("the resolver returned no addresses");
    return unreachableStatus(this.targets);
  }

  /* ------------------------------------------------------------------ connecting */

  private connect(target: Target): void {
    if (this.closed) return;
    target.connectStarted();
    let session: ClientSession | undefined;
    let settled = false;
    let openedAt = 0;
    const events: ClientSessionEvents = {
      onGoaway: (code, debugData) => {
        if (code === ENHANCE_YOUR_CALM && debugData === TOO_MANY_PINGS) this.keepalive.tooManyPings(target);
        this.retire(target, session, false);
      },
      onClose: (error) => {
        if (!settled || !this.retire(target, session, true)) return;
        // A peer that accepts and then drops every connection must not be reconnected in a tight loop.
        if (this.clock.now() - openedAt < MIN_HEALTHY_SESSION_MS) this.connectFailed(target, error ?? new Error("the connection closed right after it opened"), false);
        else this.replace(target);
        this.serveWaiters();
      },
      onRemoteSettings: () => this.serveWaiters(),
      onStreamClosed: () => {
        if (this.waiting.length > 0) this.serveWaiters();
      },
    };
    const authority = this.options.authority;
    this.connector({ address: target.address, timeoutMs: this.options.connectTimeoutMs, signal: this.closing.signal, events, ...(authority !== undefined ? { authority } : {}) }).then(
      (opened) => {
        settled = true;
        session = opened;
        if (this.closed || target.removed) {
          target.connectSucceeded();
          opened.destroy();
          return;
        }
        if (!opened.usable) {
          this.connectFailed(target, new Error("the session closed during its handshake"), true);
          return;
        }
        target.connectSucceeded();
        openedAt = this.clock.now();
        target.sessions.push(opened);
        this.keepalive.start(opened, target);
        this.serveWaiters();
      },
      (error: unknown) => {
        settled = true;
        if (this.closed || target.removed) return;
        this.connectFailed(target, error, true);
      },
    );
  }

  /** round_robin, once active: targets without a session, a connect or a backoff start connecting (IDLE -> CONNECTING). */
  private connectEveryIdleTarget(): void {
    if (this.pickFirst || !this.active || this.closed) return;
    for (const target of this.targets) if (target.sessions.length === 0 && target.state.kind === "idle") this.connect(target);
  }

  /** `attemptEnded`: a connect in flight failed (false: a session broke right after opening). */
  private connectFailed(target: Target, error: unknown, attemptEnded: boolean): void {
    this.options.requestResolution?.();
    target.connectFailed(error, attemptEnded, this.clock.now(), (failures) => backoffDelay(failures, this.backoff, this.clock.random), (delay) => this.clock.after(delay, () => this.retry(target)));
    this.serveWaiters();
  }

  /** The background retry of a failed target, so that it rejoins the rotation once it answers. */
  private retry(target: Target): void {
    target.retryDue();
    if (this.closed || target.removed || target.inFlight > 0 || target.hasUsableSession()) return;
    this.connect(target);
  }

  /** A target the resolver no longer lists: no retries, its sessions close once their calls finish. */
  private drop(target: Target): void {
    target.removed = true;
    target.stop();
    for (const session of target.sessions.splice(0)) {
      this.keepalive.stop(session);
      session.close();
    }
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
    this.keepalive.stop(session);
    this.options.requestResolution?.();
    if (!closed) {
      session.close(); // the engine closes once the streams in flight are done
      this.replace(target);
    }
    return !this.closed;
  }

  /** Opens a replacement for a retired session at once, unless the target is backing off or enough are open. */
  private replace(target: Target): void {
    if (this.closed || target.inFlight > 0 || target.sessions.length >= this.preferred) return;
    if (!target.mayConnect(this.clock.now())) return;
    this.connect(target);
  }
}
