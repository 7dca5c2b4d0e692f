/**
 * One thread's load loop. Closed loop: `concurrency` slots, each starting its next call when the last one ends.
 * Open loop: calls scheduled at 1/rate(t) intervals from a fixed origin (rate-schedule.ts: constant, steps, ramp),
 * sent in batches at timer wake-ups, each timed from its scheduled send time (so a stall that keeps the generator
 * from sending is charged to the calls it delayed, as wrk2 does) and from its actual send time (service time); how
 * late each went out is recorded too, so a generator that falls behind is caught. Calls that end are recorded only
 * when they were due inside the measured window, which starts after the warm-up.
 */
import type { Caller, Completion } from "./caller.js";
import { codeOfFailure } from "./caller.js";
import { LoadRecorder, type ThreadResult } from "./load-recorder.js";
import { callsDue, constantRate, isConstant, type RateSchedule, rateAt } from "./rate-schedule.js";

/** Open loop: calls sent in one turn of the event loop at most, so a backlog cannot starve the answers' I/O. */
const MAX_CALLS_PER_TURN = 2048;
/** Open loop: a call sent this much later than scheduled counts as late (the generator, not the server, held it). */
export const DEFAULT_MAX_LAG_MS = 10;
/**
 * Open loop: a wake-up also sends the calls due within this much (or half an interval, if less). Node's timers have
 * millisecond granularity and fire ~0.1 ms after the millisecond asked for, so at low rates a timer aimed at the due
 * time wakes up to a millisecond late; sending slightly early instead costs nothing in honesty, because a call sent
 * early is timed from its actual send (load-recorder.ts), never from the later scheduled time.
 */
export const MAX_SEND_AHEAD_MS = 0.5;

export interface ThreadPlan {
  readonly mode: "closed" | "open";
  /** Closed loop: calls in flight. */
  readonly concurrency: number;
  /** Open loop: calls per second for this thread (constant rate; `schedule` overrides it). */
  readonly rate: number;
  /** Open loop: this thread's rate over time (steps, ramp); default the constant `rate`. */
  readonly schedule?: RateSchedule;
  /** Open loop: sends later than this (ms) count as late; default DEFAULT_MAX_LAG_MS. */
  readonly maxLagMs?: number;
  /**
   * Open loop: while this many calls are in flight the calls due wait (their wait is in their corrected latency,
   * as a client's own queue would add it); those still waiting when the window closes are counted as dropped.
   * Default unbounded.
   */
  readonly maxInFlight?: number;
  /** Open loop: delay of this thread's first call, so several threads interleave their schedules. */
  readonly phaseMs: number;
  /** Exactly one of durationMs and requests is set: how long, or how many calls, to measure. */
  readonly durationMs: number | undefined;
  readonly requests: number | undefined;
  readonly warmupMs: number;
  /** After the last send, how long to wait for answers before giving up on them. */
  readonly drainMs: number;
}

export interface ProgressSnapshot {
  readonly ok: number;
  readonly failed: number;
  /** p99 so far of the histogram that matters (corrected in the open loop), microseconds; 0 before any call. */
  readonly p99Us: number;
  /** False during the warm-up. */
  readonly measuring: boolean;
  /** Open loop: how far behind schedule the generator was at its last wake-up (ms; 0 when on time). */
  readonly behindMs: number;
  /** Open loop: measured calls sent more than the lag threshold late. */
  readonly late: number;
  /** Open loop: --max-in-flight calls are in flight and the calls due wait: the server, not the generator, is behind. */
  readonly atCap: boolean;
}

/** A reusable call record; its bound callbacks are created once, not per call. */
class CallSlot implements Completion {
  scheduledAt = 0;
  sentAt = 0;
  /** Open loop: the call waited for a free slot at the in-flight cap (the server's answers were slow, not the generator). */
  held = false;
  busy = false;
  /** Set while the caller runs, to turn a synchronous completion into a loop instead of recursion. */
  launching = false;
  relaunch = false;
  readonly done: (code: number) => void;
  readonly ok: () => void;
  readonly fail: (reason: unknown) => void;

  constructor(run: LoadRun) {
    this.done = (code) => run.complete(this, code);
    this.ok = () => run.complete(this, 0);
    this.fail = (reason) => run.complete(this, codeOfFailure(reason));
  }
}

export class LoadRun {
  private readonly open: boolean;
  private readonly schedule: RateSchedule;
  private readonly constantRate: boolean;
  private readonly intervalMs: number;
  private readonly maxInFlight: number;
  /** Open loop: calls due within this much of a wake-up go out with it (see MAX_SEND_AHEAD_MS). */
  private sendAheadMs: number;
  /** Open loop: the in-flight cap stopped the sends; the next completion wakes the loop. */
  private blockedAtCap = false;
  /** Open loop: calls due up to this time waited at the in-flight cap (when the cap last released them). */
  private heldThrough = Number.NEGATIVE_INFINITY;
  private blockedAtStop = false;
  private behindMs = 0;
  private readonly free: CallSlot[] = [];
  private windowStart = 0;
  private stopAt = Number.POSITIVE_INFINITY;
  private nextDue = 0;
  private inFlight = 0;
  private inFlightMeasured = 0;
  private issuedMeasured = 0;
  private lastEndAt = 0;
  private stopIssueAt = Number.POSITIVE_INFINITY;
  private stopRequested = false;
  private stopping = false;
  private finished = false;
  private recorder: LoadRecorder | undefined;
  private cpuStart: NodeJS.CpuUsage | undefined;
  private tickTimeout: NodeJS.Timeout | undefined;
  private tickImmediate: NodeJS.Immediate | undefined;
  private phaseTimers: NodeJS.Timeout[] = [];
  private resolveRun: ((result: ThreadResult) => void) | undefined;
  private readonly tick = (): void => this.onTick();

  constructor(
    private readonly caller: Caller,
    private readonly plan: ThreadPlan,
  ) {
    this.open = plan.mode === "open";
    this.schedule = plan.schedule ?? constantRate(plan.rate);
    this.constantRate = isConstant(this.schedule);
    this.intervalMs = this.open ? 1000 / this.schedule.start : 0;
    this.sendAheadMs = Math.min(MAX_SEND_AHEAD_MS, this.intervalMs / 2);
    this.maxInFlight = plan.maxInFlight ?? Number.POSITIVE_INFINITY;
  }

  /** Runs the warm-up and the measured window; resolves when every call has ended or the drain time is over. */
  run(): Promise<ThreadResult> {
    if (this.resolveRun !== undefined) throw new Error("LoadRun.run() may be called once");
    const result = new Promise<ThreadResult>((resolve) => {
      this.resolveRun = resolve;
    });
    const now = performance.now();
    this.windowStart = now + this.plan.warmupMs;
    if (this.plan.durationMs !== undefined) this.stopAt = this.windowStart + this.plan.durationMs;
    this.recorder = new LoadRecorder(this.open, this.windowStart, this.plan.maxLagMs ?? DEFAULT_MAX_LAG_MS);

    if (this.plan.warmupMs > 0) {
      this.phaseTimers.push(setTimeout(() => (this.cpuStart = process.cpuUsage()), this.plan.warmupMs));
    } else {
      this.cpuStart = process.cpuUsage();
    }
    // Duration mode: stop at the end even if no call ever comes back (closed loop with a hung server).
    if (this.stopAt !== Number.POSITIVE_INFINITY) {
      this.phaseTimers.push(setTimeout(() => this.beginStop(), this.stopAt - now));
    }

    if (this.open) {
      this.nextDue = now + this.plan.phaseMs;
      this.onTick();
    } else {
      for (let i = 0; i < this.plan.concurrency && this.shouldIssue(performance.now()); i++) {
        this.runClosedSlot(new CallSlot(this));
      }
      if (this.inFlight === 0) this.beginStop();
    }
    return result;
  }

  /** Stops sending now (Ctrl-C); calls in flight still end and count. */
  stop(): void {
    this.stopRequested = true;
    this.beginStop();
  }

  progress(): ProgressSnapshot {
    const recorder = this.recorder;
    if (recorder === undefined) return { ok: 0, failed: 0, p99Us: 0, measuring: false, behindMs: 0, late: 0, atCap: false };
    const histogram = recorder.primary;
    return {
      ok: recorder.ok,
      failed: recorder.failed,
      p99Us: histogram.totalCount === 0 ? 0 : histogram.getValueAtPercentile(99),
      measuring: performance.now() >= this.windowStart,
      // While the cap holds the sends back no wake-up updates behindMs: the backlog grows with the clock.
      behindMs: this.blockedAtCap ? Math.max(0, performance.now() - this.nextDue) : this.behindMs,
      late: recorder.late,
      atCap: this.blockedAtCap,
    };
  }

  /** Called through a slot's done/ok/fail. */
  complete(slot: CallSlot, code: number): void {
    if (!slot.busy) return; // a caller reporting twice must not corrupt the counts
    slot.busy = false;
    const now = performance.now();
    this.inFlight--;
    const recorder = this.recorder;
    if (slot.scheduledAt >= this.windowStart && recorder !== undefined) {
      this.inFlightMeasured--;
      recorder.record(slot.scheduledAt, slot.sentAt, now, code, slot.held);
      if (now > this.lastEndAt) this.lastEndAt = now;
    }
    if (!this.open) {
      if (this.shouldIssue(now)) {
        if (slot.launching) slot.relaunch = true;
        else this.runClosedSlot(slot);
        return;
      }
      this.beginStop();
    } else {
      this.free.push(slot);
      if (this.blockedAtCap) this.releaseCap(now);
    }
    if (this.stopping && this.inFlight === 0) this.finish();
  }

  private shouldIssue(dueAt: number): boolean {
    if (this.stopRequested || dueAt >= this.stopAt) return false;
    const requests = this.plan.requests;
    return requests === undefined || dueAt < this.windowStart || this.issuedMeasured < requests;
  }

  private launch(slot: CallSlot, dueAt: number, sentAt: number, held = false): void {
    slot.busy = true;
    slot.scheduledAt = dueAt;
    slot.sentAt = sentAt;
    slot.held = held;
    this.inFlight++;
    if (dueAt >= this.windowStart) {
      this.issuedMeasured++;
      this.inFlightMeasured++;
      if (this.open) this.recorder?.scheduled(dueAt);
    }
    try {
      this.caller(slot);
    } catch (error) {
      slot.fail(error);
    }
  }

  private runClosedSlot(slot: CallSlot): void {
    do {
      slot.relaunch = false;
      slot.launching = true;
      const now = performance.now();
      this.launch(slot, now, now);
      slot.launching = false;
    } while (slot.relaunch);
  }

  /**
   * One wake-up of the open loop: sends every call due by now (and by now + sendAheadMs) in one go (the engine
   * writes them together at the end of the turn), then sleeps on a timer until the next one is due. A timer fires
   * about 0.1 ms after the millisecond it was set for, so a call may still go out up to about half a millisecond
   * late; that wait is in its corrected latency, as in wrk2. When more calls are due than one turn may send, the
   * loop yields to I/O and continues: the generator is behind. When --max-in-flight calls are in flight, the calls
   * due wait for the next completion (it wakes the loop): the server is behind, and the wait is in their latency.
   */
  private onTick(): void {
    this.tickTimeout = undefined;
    this.tickImmediate = undefined;
    if (this.stopping) return;
    const now = performance.now();
    const sendBy = now + this.sendAheadMs;
    let sent = 0;
    while (this.nextDue <= sendBy && sent < MAX_CALLS_PER_TURN) {
      if (!this.shouldIssue(this.nextDue)) {
        this.beginStop();
        return;
      }
      // A server that stopped answering must not make the generator hold calls until memory runs out: the calls
      // due wait as a count (nextDue stays behind), and a completion resumes them.
      if (this.inFlight >= this.maxInFlight) {
        this.blockedAtCap = true;
        this.behindMs = this.nextDue < now ? now - this.nextDue : 0;
        return;
      }
      this.launch(this.free.pop() ?? new CallSlot(this), this.nextDue, now, this.nextDue <= this.heldThrough);
      const interval = this.constantRate ? this.intervalMs : 1000 / rateAt(this.schedule, this.nextDue - this.windowStart);
      if (!this.constantRate) this.sendAheadMs = Math.min(MAX_SEND_AHEAD_MS, interval / 2);
      this.nextDue += interval;
      sent++;
    }
    this.behindMs = this.nextDue < now ? now - this.nextDue : 0;
    if (!this.shouldIssue(this.nextDue)) {
      this.beginStop(); // the schedule is over
      return;
    }
    const delay = this.nextDue - this.sendAheadMs - performance.now();
    if (delay <= 0) this.tickImmediate = setImmediate(this.tick);
    // Never wake before the send-ahead window (a wasted wake-up costs as much as a call at low rates).
    else this.tickTimeout = setTimeout(this.tick, Math.max(1, Math.ceil(delay)));
  }

  /** A call ended while the cap held the sends back: the calls due so far waited for it; send them on this turn. */
  private releaseCap(now: number): void {
    this.blockedAtCap = false;
    this.heldThrough = now;
    if (!this.stopping && this.tickImmediate === undefined) {
      if (this.tickTimeout !== undefined) clearTimeout(this.tickTimeout);
      this.tickTimeout = undefined;
      this.tickImmediate = setImmediate(this.tick);
    }
  }

  private beginStop(): void {
    if (this.stopping) return;
    this.stopping = true;
    this.blockedAtStop = this.blockedAtCap;
    this.stopIssueAt = performance.now();
    this.clearTick();
    if (this.inFlight === 0) {
      this.finish();
      return;
    }
    this.phaseTimers.push(setTimeout(() => this.finish(), this.plan.drainMs));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    this.clearTick();
    for (const timer of this.phaseTimers) clearTimeout(timer);
    this.phaseTimers = [];
    const cpuEnd = process.cpuUsage();
    const windowEnd = Math.max(Math.min(this.stopAt, this.stopIssueAt), this.lastEndAt);
    const elapsedMs = Math.max(0, windowEnd - this.windowStart);
    const recorder = this.recorder ?? new LoadRecorder(this.open, this.windowStart, this.plan.maxLagMs ?? DEFAULT_MAX_LAG_MS);
    // Calls due but never sent: held back by the in-flight cap (the server was behind), else the generator was.
    const neverSent = this.unsent();
    const result = this.blockedAtStop
      ? recorder.result(elapsedMs, this.inFlightMeasured, this.cpuStart ?? cpuEnd, cpuEnd, 0, neverSent)
      : recorder.result(elapsedMs, this.inFlightMeasured, this.cpuStart ?? cpuEnd, cpuEnd, neverSent, 0);
    this.resolveRun?.(result);
  }

  /**
   * Open loop, duration mode: calls the schedule put in the measured window that the generator never got to send
   * (it was behind when the window closed). Zero when it kept up, or when the user stopped the run.
   */
  private unsent(): number {
    if (!this.open || this.stopRequested || this.stopAt === Number.POSITIVE_INFINITY || this.nextDue >= this.stopAt) return 0;
    const from = Math.max(0, this.nextDue - this.windowStart);
    const to = this.stopAt - this.windowStart;
    return Math.max(0, Math.round(callsDue(this.schedule, to) - callsDue(this.schedule, from)));
  }

  private clearTick(): void {
    if (this.tickTimeout !== undefined) clearTimeout(this.tickTimeout);
    if (this.tickImmediate !== undefined) clearImmediate(this.tickImmediate);
    this.tickTimeout = undefined;
    this.tickImmediate = undefined;
  }
}
