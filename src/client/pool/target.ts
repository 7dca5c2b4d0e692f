/**
 * One target of the pool: its open sessions, what it learned of the peer's stream limit, and where it stands on
 * connecting (one typed state instead of loose counters and timers).
 */
import type { ClientSession } from "../../engine/types.js";
import { type Address, formatAddress } from "../../transport/address.js";
import { errors } from "../../errors/catalog.js";
import { type CancelTimer, NO_TIMER } from "./clock.js";

/** A session's peer limit before its SETTINGS arrive, when no earlier session to that target told us (RFC 9113 advises >= 100). */
export const PROVISIONAL_STREAM_LIMIT = 100;

/**
 * - idle: no connect in flight and the last one (if any) succeeded: connects may start at any time.
 * - connecting: `inFlight` connects are under way; `failures` > 0 when this is a retry after backing off.
 * - backoff: the last connect failed; no foreground connect before `retryAt`, when a background retry runs
 *   (`cancelRetry` stops it). Connects started before the failure may still be in flight.
 */
export type TargetState =
  | { readonly kind: "idle" }
  | { readonly kind: "connecting"; readonly inFlight: number; readonly failures: number; readonly lastError: unknown; readonly failedAt: number }
  | {
    readonly kind: "backoff"; readonly inFlight: number; readonly failures: number; readonly lastError: unknown; readonly failedAt: number;
    readonly retryAt: number; readonly cancelRetry: CancelTimer;
  };

/** gRPC's subchannel connectivity states (SHUTDOWN is a target the resolver dropped: it leaves the pool). */
export type Connectivity = "idle" | "connecting" | "ready" | "transient_failure";

const IDLE: TargetState = Object.freeze({ kind: "idle" });

export class Target {
  readonly sessions: ClientSession[] = [];
  readonly label: string;
  state: TargetState = IDLE;
  /** The peer's MAX_CONCURRENT_STREAMS as an earlier session saw it (0 = not known yet). */
  learnedLimit = 0;
  /** The resolver dropped this address: connects that land are closed, no retries. */
  removed = false;

  constructor(readonly address: Address) {
    this.label = formatAddress(address);
  }

  get inFlight(): number {
    return this.state.kind === "idle" ? 0 : this.state.inFlight;
  }

  /** ready: a session can carry calls; else connecting, backing off (transient_failure) or idle. */
  get connectivity(): Connectivity {
    if (this.hasUsableSession()) return "ready";
    if (this.state.kind === "connecting") return "connecting";
    return this.state.kind === "backoff" ? "transient_failure" : "idle";
  }

  /** Consecutive failed connects; 0 once one succeeds. */
  get failures(): number {
    return this.state.kind === "idle" ? 0 : this.state.failures;
  }

  /** A foreground connect may start now: not backing off (or its delay is over). */
  mayConnect(now: number): boolean {
    return this.state.kind !== "backoff" || now >= this.state.retryAt;
  }

  /**
   * The usable session with the fewest streams below the peer's limit, counting `handedOut` (sessions given to
   * waiting calls whose streams have not started yet). The one selection used by pick() and by waiting calls.
   */
  roomiest(handedOut: ReadonlyMap<ClientSession, number> | undefined): ClientSession | undefined {
    let best: ClientSession | undefined;
    let bestLoad = 0;
    const sessions = this.sessions;
    for (let i = 0; i < sessions.length; i++) {
      const session = sessions[i] as ClientSession;
      if (!session.usable) continue;
      const load = handedOut === undefined ? session.activeStreams : session.activeStreams + (handedOut.get(session) ?? 0);
      if (load >= this.limitOf(session)) continue;
      if (best === undefined || load < bestLoad) {
        best = session;
        bestLoad = load;
      }
    }
    return best;
  }

  /** The peer's stream limit for this session; until its SETTINGS arrive, what another session to the same target learned. */
  limitOf(session: ClientSession): number {
    const limit = session.maxConcurrentStreams;
    if (limit !== Infinity) {
      if (limit !== this.learnedLimit) this.learnedLimit = limit;
      return limit;
    }
    return this.learnedLimit > 0 ? this.learnedLimit : PROVISIONAL_STREAM_LIMIT;
  }

  /** Streams one more session is expected to carry. */
  get streamsPerSession(): number {
    return this.learnedLimit > 0 ? this.learnedLimit : PROVISIONAL_STREAM_LIMIT;
  }

  hasUsableSession(): boolean {
    for (const session of this.sessions) if (session.usable) return true;
    return false;
  }

  /* ------------------------------------------------------------------ state transitions */

  connectStarted(): void {
    const state = this.state;
    if (state.kind === "idle") {
      this.state = { kind: "connecting", inFlight: 1, failures: 0, lastError: undefined, failedAt: 0 };
    } else if (state.kind === "connecting") {
      this.state = { ...state, inFlight: state.inFlight + 1 };
    } else {
      // A retry: the backoff is over (or given up for this connect); failures carry on until one succeeds.
      state.cancelRetry();
      this.state = { kind: "connecting", inFlight: state.inFlight + 1, failures: state.failures, lastError: state.lastError, failedAt: state.failedAt };
    }
  }

  /** A connect succeeded: the failures are over, a pending retry is not needed. */
  connectSucceeded(): void {
    const state = this.state;
    if (state.kind === "idle") return;
    if (state.kind === "backoff") state.cancelRetry();
    const inFlight = Math.max(0, state.inFlight - 1);
    this.state = inFlight === 0 ? IDLE : { kind: "connecting", inFlight, failures: 0, lastError: undefined, failedAt: 0 };
  }

  /**
   * A connect failed (`attemptEnded`: a connect in flight ended with it; false for a session that broke right after
   * opening, whose connect was already counted as done): back off for the delay `delayFor` gives, after which
   * `schedule`'s timer retries in the background.
   */
  connectFailed(error: unknown, attemptEnded: boolean, now: number, delayFor: (failures: number) => number, schedule: (delayMs: number) => CancelTimer): void {
    const state = this.state;
    if (state.kind === "backoff") state.cancelRetry();
    const failures = this.failures + 1;
    const delay = delayFor(failures);
    this.state = {
      kind: "backoff", inFlight: Math.max(0, this.inFlight - (attemptEnded ? 1 : 0)), failures, lastError: error, failedAt: now,
      retryAt: now + delay, cancelRetry: schedule(delay),
    };
  }

  /** The background retry timer ran (the state stays backoff, with its delay over, if the retry is skipped). */
  retryDue(): void {
    if (this.state.kind === "backoff") this.state = { ...this.state, cancelRetry: NO_TIMER };
  }

  stop(): void {
    if (this.state.kind === "backoff") this.state.cancelRetry();
  }
}

/** Why calls cannot be served when no target is reachable: the target that failed last explains it best. */
export function unreachableStatus(targets: readonly Target[]): Error {
  let cause: Target | undefined;
  let causeAt = -Infinity;
  for (const target of targets) {
    const state = target.state;
    if (state.kind !== "idle" && state.failures > 0 && state.failedAt > causeAt) {
      cause = target;
      causeAt = state.failedAt;
    }
  }
  if (cause === undefined || cause.state.kind === "idle") return errors.connectionClosed("no session is available");
  return errors.connectFailed(cause.label, cause.state.lastError);
}
