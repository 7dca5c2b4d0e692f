/**
 * The resolver seam (gRPC's naming.md): turns a target name into the addresses the load balancer spreads calls
 * over, and keeps them current. fastgrpc ships a static resolver (tcp://, unix:, ipv4:, ipv6: ...), a DNS resolver
 * (dns:///host:port) and a manual one for tests; a service registry plugs in by implementing `Resolver`.
 */
import type { Address } from "../../transport/address.js";

export interface ResolverListener {
  /** The full, current address list (not a delta). An empty list means "no backends": calls wait or fail fast. */
  onAddresses(addresses: readonly Address[]): void;
  /** Resolution failed; the addresses given before (if any) stay in use. */
  onError(error: Error): void;
}

export interface Resolver {
  /**
   * The :authority calls carry (gRPC sends the target's host:port, not each resolved IP, so that proxies and virtual
   * hosts see the name the client asked for). Absent: each address's own (host:port, "localhost" for unix).
   */
  readonly authority?: string;
  /** Begins resolving; called once, by the client. May call the listener synchronously. */
  start(listener: ResolverListener): void;
  /**
   * A hint that the addresses may be stale: a connection failed or the server sent GOAWAY. Resolvers rate-limit
   * it themselves (the DNS resolver waits for its minimum interval); a static resolver ignores it.
   */
  requestResolution(): void;
  /** Stops timers and lookups; the listener is not called again. */
  close(): void;
}
