/**
 * dns:///host:port: every A and AAAA record of host (through the system's resolver, as getaddrinfo sees
 * /etc/hosts and search domains), re-resolved every `refreshIntervalMs` and when the client reports a failed
 * connection or a GOAWAY, but never sooner than `minIntervalMs` after the last lookup (gRPC's rate limit, so that
 * a fleet of clients cannot flood the DNS server while backends restart).
 */
import { lookup as systemLookup } from "node:dns/promises";
import { isIP } from "node:net";
import type { Address } from "../../transport/address.js";
import { type CancelTimer, NO_TIMER, type PoolClock, resolveClock } from "../pool/clock.js";
import type { Resolver, ResolverListener } from "./types.js";

export interface LookupResult {
  readonly address: string;
  readonly family: number;
}

/** Every address of `host`, injectable so tests resolve without a DNS server. */
export type DnsLookup = (host: string) => Promise<readonly LookupResult[]>;

export interface DnsResolverOptions {
  /** Default: node:dns lookup with { all: true } (getaddrinfo). */
  lookup?: DnsLookup;
  /** Re-resolve this often (ms) even when nothing fails (default 30000; 0 = only on failures). */
  refreshIntervalMs?: number;
  /** No two lookups closer together than this (ms; default 30000, gRPC's). */
  minIntervalMs?: number;
  /** Injected time (tests). */
  clock?: Partial<PoolClock>;
  /** The addresses are tls:// (the client's `tls` option applies to each) instead of tcp://. */
  tls?: boolean;
}

export const DEFAULT_DNS_REFRESH_MS = 30_000;
export const DEFAULT_DNS_MIN_INTERVAL_MS = 30_000;

const defaultLookup: DnsLookup = (host) => systemLookup(host, { all: true, order: "verbatim" });

export class DnsResolver implements Resolver {
  private readonly lookup: DnsLookup;
  private readonly refreshMs: number;
  private readonly minIntervalMs: number;
  private readonly clock: PoolClock;
  private readonly scheme: "tcp" | "tls";
  private listener: ResolverListener | undefined;
  private timer: CancelTimer = NO_TIMER;
  /** When the timer fires (Infinity: none set). */
  private timerAt = Infinity;
  private lastLookupAt = -Infinity;
  private inFlight = false;
  private closed = false;
  /** Lookups started, for tests and diagnostics. */
  lookups = 0;
  readonly authority: string;

  constructor(private readonly host: string, private readonly port: number, options: DnsResolverOptions = {}) {
    this.lookup = options.lookup ?? defaultLookup;
    this.refreshMs = Math.max(0, options.refreshIntervalMs ?? DEFAULT_DNS_REFRESH_MS);
    this.minIntervalMs = Math.max(0, options.minIntervalMs ?? DEFAULT_DNS_MIN_INTERVAL_MS);
    this.clock = resolveClock(options.clock);
    this.scheme = options.tls === true ? "tls" : "tcp";
    this.authority = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  }

  start(listener: ResolverListener): void {
    this.listener = listener;
    // An IP literal needs no lookup and never changes.
    if (isIP(this.host) !== 0) {
      listener.onAddresses([{ scheme: this.scheme, host: this.host, port: this.port }]);
      this.closed = true;
      return;
    }
    this.resolve();
  }

  requestResolution(): void {
    if (this.closed || this.inFlight) return;
    this.scheduleAt(this.lastLookupAt + this.minIntervalMs);
  }

  close(): void {
    this.closed = true;
    this.timer();
    this.timer = NO_TIMER;
    this.timerAt = Infinity;
  }

  /** Runs a lookup at `at` (now when it has passed), unless one is already due sooner. */
  private scheduleAt(at: number): void {
    if (this.closed || at >= this.timerAt) return;
    this.timer();
    const delay = at - this.clock.now();
    if (delay <= 0) {
      this.timer = NO_TIMER;
      this.timerAt = Infinity;
      this.resolve();
      return;
    }
    this.timerAt = at;
    this.timer = this.clock.after(delay, () => {
      this.timer = NO_TIMER;
      this.timerAt = Infinity;
      this.resolve();
    });
  }

  private resolve(): void {
    if (this.closed || this.inFlight) return;
    this.inFlight = true;
    this.lastLookupAt = this.clock.now();
    this.lookups++;
    this.lookup(this.host).then(
      (results) => this.done(undefined, results),
      (error: unknown) => this.done(error instanceof Error ? error : new Error(String(error)), []),
    );
  }

  private done(error: Error | undefined, results: readonly LookupResult[]): void {
    this.inFlight = false;
    if (this.closed) return;
    const listener = this.listener;
    if (error === undefined && results.length === 0) error = new Error(`DNS lookup of ${this.host} returned no addresses`);
    if (error !== undefined) {
      listener?.onError(new Error(`cannot resolve ${this.host}: ${error.message}`, { cause: error }));
      // Try again after the minimum interval: a failed lookup is the case re-resolution exists for.
      this.scheduleAt(this.lastLookupAt + Math.max(this.minIntervalMs, 1));
      return;
    }
    const seen = new Set<string>();
    const addresses: Address[] = [];
    for (const result of results) {
      if (seen.has(result.address)) continue;
      seen.add(result.address);
      addresses.push({ scheme: this.scheme, host: result.address, port: this.port });
    }
    listener?.onAddresses(addresses);
    if (this.refreshMs > 0) this.scheduleAt(this.lastLookupAt + Math.max(this.refreshMs, this.minIntervalMs));
  }
}
