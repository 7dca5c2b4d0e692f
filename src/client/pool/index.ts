/** The connection pool (see connection-pool.ts) and the pieces tests and callers configure it with. */
export { type BackoffOptions, backoffDelay, DEFAULT_BACKOFF } from "./backoff.js";
export { type CancelTimer, type PoolClock, SYSTEM_CLOCK } from "./clock.js";
export { ConnectionPool, type PoolOptions } from "./connection-pool.js";
export { LOAD_BALANCING_POLICIES, type LoadBalancingPolicy, type SubchannelInfo } from "./policy.js";
export type { Connectivity } from "./target.js";
export type { PingableSession } from "./keepalive.js";
