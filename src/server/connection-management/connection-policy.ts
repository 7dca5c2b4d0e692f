/**
 * One connection's keepalive and lifetime rules (gRPC A9, grpc-go's http2_server keepalive): PING enforcement,
 * server keepalive PINGs, max connection idle, max connection age (±10% jitter) and age grace. Time comes from an
 * injected clock, so tests drive every timer by hand.
 */
import { NO_TIMER, type CancelTimer, type PoolClock } from "../../client/pool/clock.js";
import type { ManagedConnection, ManagedConnectionEvents } from "../../engine/types.js";
import { MAX_PING_STRIKES, PING_INTERVAL_WITHOUT_STREAMS_MS, TOO_MANY_PINGS, type ResolvedKeepalive } from "./options.js";

/** RFC 9113 section 7. */
const ENHANCE_YOUR_CALM = 0x0b;
/** A9: the age is jittered by ±10% so that clients of replicas started together do not all reconnect at once. */
const AGE_JITTER = 0.1;

/** Why connection management ended a connection (for logs and metrics). */
export type ManagementAction = "too_many_pings" | "idle" | "age" | "age_grace" | "keepalive_timeout";

export class ConnectionPolicy implements ManagedConnectionEvents {
  private closed = false;
  private lastPingAt = -Infinity;
  private strikes = 0;
  /** Set by stream activity (grpc-go: by the server writing HEADERS or DATA): the next PING is not judged. */
  private resetStrikes = false;
  /** A stream opened or closed since the last keepalive tick: the client is alive, no PING needed. */
  private activity = false;
  private cancelIdle: CancelTimer = NO_TIMER;
  private cancelAge: CancelTimer = NO_TIMER;
  private cancelGrace: CancelTimer = NO_TIMER;
  private cancelKeepalive: CancelTimer = NO_TIMER;
  private cancelPingTimeout: CancelTimer = NO_TIMER;

  constructor(
    private readonly conn: ManagedConnection,
    private readonly options: ResolvedKeepalive,
    private readonly clock: PoolClock,
    private readonly onAction: (action: ManagementAction) => void = () => {},
  ) {
    const age = options.maxConnectionAgeMs;
    if (age > 0) {
      const jittered = age + age * AGE_JITTER * (2 * clock.random() - 1);
      this.cancelAge = clock.after(Math.max(1, Math.round(jittered)), this.ageReached);
    }
    this.startIdleTimer();
    this.scheduleKeepalive();
  }

  /* ------------------------------------------------------------------ engine events */

  onPing(): void {
    const { minPingIntervalMs, permitWithoutStream } = this.options;
    if (this.closed || (minPingIntervalMs === 0 && permitWithoutStream)) return;
    const now = this.clock.now();
    const sinceLast = now - this.lastPingAt;
    this.lastPingAt = now;
    if (this.resetStrikes) {
      this.resetStrikes = false;
      this.strikes = 0;
      return;
    }
    const allowed = this.conn.activeStreams < 1 && !permitWithoutStream ? PING_INTERVAL_WITHOUT_STREAMS_MS : minPingIntervalMs;
    if (sinceLast < allowed) this.strikes++;
    if (this.strikes > MAX_PING_STRIKES) {
      this.end("too_many_pings");
      this.conn.goawayAndClose(ENHANCE_YOUR_CALM, TOO_MANY_PINGS);
    }
  }

  onStreamOpened(): void {
    this.resetStrikes = true;
    this.activity = true;
    this.cancelIdle();
    this.cancelIdle = NO_TIMER;
  }

  onStreamClosed(): void {
    this.resetStrikes = true;
    this.activity = true;
    if (this.conn.activeStreams === 0) this.startIdleTimer();
  }

  onClose(): void {
    this.end(null);
  }

  /* ------------------------------------------------------------------ timers */

  private startIdleTimer(): void {
    const idle = this.options.maxConnectionIdleMs;
    if (idle === 0 || this.closed) return;
    this.cancelIdle();
    this.cancelIdle = this.clock.after(idle, () => {
      if (this.closed || this.conn.activeStreams > 0) return;
      this.onAction("idle");
      this.conn.goawayGracefully();
    });
  }

  private readonly ageReached = (): void => {
    if (this.closed) return;
    this.onAction("age");
    this.conn.goawayGracefully();
    const grace = this.options.maxConnectionAgeGraceMs;
    if (grace > 0) {
      this.cancelGrace = this.clock.after(grace, () => {
        if (this.closed) return;
        this.end("age_grace");
        this.conn.destroy(new Error(`max connection age grace (${grace} ms) over`));
      });
    }
  };

  private scheduleKeepalive(): void {
    if (this.options.timeMs === 0 || this.closed) return;
    this.cancelKeepalive = this.clock.after(this.options.timeMs, this.keepaliveTick);
  }

  private readonly keepaliveTick = (): void => {
    if (this.closed) return;
    if (this.activity) {
      this.activity = false;
      this.scheduleKeepalive();
      return;
    }
    let answered = false;
    const sent = this.conn.ping((error) => {
      answered = true;
      this.cancelPingTimeout();
      this.cancelPingTimeout = NO_TIMER;
      if (error === null) this.scheduleKeepalive();
    });
    if (!sent) {
      this.scheduleKeepalive();
      return;
    }
    if (answered) return;
    const timeout = this.options.timeoutMs;
    this.cancelPingTimeout = this.clock.after(timeout, () => {
      if (answered || this.closed) return;
      this.end("keepalive_timeout");
      this.conn.destroy(new Error(`keepalive ping not answered within ${timeout} ms`));
    });
  };

  /** Stops every timer; `action` is reported when connection management itself ends the connection. */
  private end(action: ManagementAction | null): void {
    if (this.closed) return;
    this.closed = true;
    for (const cancel of [this.cancelIdle, this.cancelAge, this.cancelGrace, this.cancelKeepalive, this.cancelPingTimeout]) cancel();
    if (action !== null) this.onAction(action);
  }
}
