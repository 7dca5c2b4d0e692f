/**
 * Server keepalive and connection management options (gRPC's A9 and grpc-go's keepalive.ServerParameters /
 * keepalive.EnforcementPolicy; grpc-js channel options in brackets). Every duration is in milliseconds; 0 = off.
 */
export interface ServerKeepaliveOptions {
  /** Ping a client after this long without a stream opening or closing (grpc-go Time; grpc.keepalive_time_ms). Default off. */
  timeMs?: number;
  /** Close the connection when that ping is not answered within this (grpc-go Timeout; grpc.keepalive_timeout_ms). Default 20000. */
  timeoutMs?: number;
  /** Send GOAWAY after this long without open streams (grpc-go MaxConnectionIdle; grpc.max_connection_idle_ms). Default off. */
  maxConnectionIdleMs?: number;
  /**
   * Send GOAWAY once the connection is this old, ±10% jitter so replicas' clients do not reconnect together
   * (grpc-go MaxConnectionAge; grpc.max_connection_age_ms). Default off.
   */
  maxConnectionAgeMs?: number;
  /** After that GOAWAY, close the connection once this has passed (grpc-go MaxConnectionAgeGrace; grpc.max_connection_age_grace_ms). Default off: wait for the streams. */
  maxConnectionAgeGraceMs?: number;
  /**
   * Enforcement: a client PING sooner than this after the previous one is a strike; after 2 strikes the next one
   * gets GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") (grpc-go EnforcementPolicy.MinTime;
   * grpc.http2.min_ping_interval_without_data_ms). Default 300000 (5 minutes), as grpc-go; 0 = no minimum.
   */
  minPingIntervalMs?: number;
  /**
   * Allow keepalive PINGs on a connection without open streams (grpc-go PermitWithoutStream;
   * grpc.keepalive_permit_without_calls). Default false: such PINGs are strikes unless 2 hours apart.
   */
  permitWithoutStream?: boolean;
}

export interface ResolvedKeepalive {
  timeMs: number;
  timeoutMs: number;
  maxConnectionIdleMs: number;
  maxConnectionAgeMs: number;
  maxConnectionAgeGraceMs: number;
  minPingIntervalMs: number;
  permitWithoutStream: boolean;
}

export const DEFAULT_KEEPALIVE_TIMEOUT_MS = 20_000;
export const DEFAULT_MIN_PING_INTERVAL_MS = 5 * 60_000;
/** grpc-go's defaultPingTimeout: without streams (and not permitted), PINGs closer together than this are strikes. */
export const PING_INTERVAL_WITHOUT_STREAMS_MS = 2 * 60 * 60_000;
/** grpc-go's maxPingStrikes: the PING after this many strikes closes the connection. */
export const MAX_PING_STRIKES = 2;
export const TOO_MANY_PINGS = "too_many_pings";

function duration(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`keepalive.${name} must be a duration in ms >= 0, got ${value}`);
  return Math.floor(value);
}

export function resolveKeepalive(options: ServerKeepaliveOptions): ResolvedKeepalive {
  return {
    timeMs: duration("timeMs", options.timeMs, 0),
    timeoutMs: duration("timeoutMs", options.timeoutMs, DEFAULT_KEEPALIVE_TIMEOUT_MS) || DEFAULT_KEEPALIVE_TIMEOUT_MS,
    maxConnectionIdleMs: duration("maxConnectionIdleMs", options.maxConnectionIdleMs, 0),
    maxConnectionAgeMs: duration("maxConnectionAgeMs", options.maxConnectionAgeMs, 0),
    maxConnectionAgeGraceMs: duration("maxConnectionAgeGraceMs", options.maxConnectionAgeGraceMs, 0),
    minPingIntervalMs: duration("minPingIntervalMs", options.minPingIntervalMs, DEFAULT_MIN_PING_INTERVAL_MS),
    permitWithoutStream: options.permitWithoutStream === true,
  };
}
