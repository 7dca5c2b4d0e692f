/** The connection pool (see connection-pool.ts) and the pieces tests and callers configure it with. */
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export { type CancelTimer, type PoolClock, SYSTEM_CLOCK } from "./clock.js";
export { ConnectionPool, LOAD_BALANCING_POLICIES, type LoadBalancingPolicy, type PoolOptions, type SubchannelInfo } from "./connection-pool.js";
export type { Connectivity } from "./target.js";
export type { PingableSession } from "./keepalive.js";
