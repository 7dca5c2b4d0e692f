/**
 * The flood defences of a connection: token buckets for resets, control frames and frames that do no work
 * (limits in tuning.ts), and the memory of recently ended streams that late frames are checked against.
 */
import type { H2Tuning } from "./tuning.js";

const RECENT_IDS = 256;

/** A token bucket: `take()` is false once the peer has used its burst and exceeded the sustained rate. */
export class RateLimit {
  private tokens: number;
  private last = 0;

  constructor(private readonly burst: number, private readonly perSecond: number) {
    this.tokens = burst;
  }

  take(): boolean {
    const now = performance.now();
    if (this.last !== 0) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.perSecond) / 1000);
    }
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** A small ring of recent stream ids; looked up only on error paths. */
export class RecentIds {
  private ids: Int32Array | null = null;
  private pos = 0;

  add(id: number): void {
    const ids = (this.ids ??= new Int32Array(RECENT_IDS));
    ids[this.pos] = id;
    this.pos = (this.pos + 1) % RECENT_IDS;
  }

  has(id: number): boolean {
    return this.ids !== null && this.ids.includes(id);
  }
}

export class Defences {
  /** RST_STREAM frames received (CVE-2023-44487). */
  readonly resets: RateLimit;
  /** SETTINGS and PING frames, each of which forces a reply. */
  readonly control: RateLimit;
  /** Frames that do no work: empty DATA/CONTINUATION, PRIORITY, unknown types, frames on closed streams. */
  readonly idle: RateLimit;
  /** Streams we reset lately: frames the peer had in flight for them are ignored (RFC 9113 5.4.2). */
  readonly recentResets = new RecentIds();
  /** Streams that closed normally lately: more frames on them are STREAM_CLOSED errors, not unknown ids. */
  readonly recentClosed = new RecentIds();

  constructor(tuning: H2Tuning) {
    this.resets = new RateLimit(tuning.resetBurst, tuning.resetsPerSecond);
    this.control = new RateLimit(tuning.controlBurst, tuning.controlPerSecond);
    this.idle = new RateLimit(tuning.idleFrameBurst, tuning.idleFramesPerSecond);
  }
}
