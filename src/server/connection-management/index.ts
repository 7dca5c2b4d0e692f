/**
 * Server connection management (gRPC A9): builds the engine's manageConnection hook from GrpcServer's `keepalive`
 * option. Without that option the server passes no hook and the engines do no per-connection bookkeeping.
 */
import { SYSTEM_CLOCK, type PoolClock } from "../../client/pool/clock.js";
import type { ManagedConnection, ManagedConnectionEvents } from "../../engine/types.js";
import { ConnectionPolicy, type ManagementAction } from "./connection-policy.js";
import { resolveKeepalive, type ServerKeepaliveOptions } from "./options.js";

export type { ServerKeepaliveOptions } from "./options.js";
export type { ManagementAction } from "./connection-policy.js";
export { TOO_MANY_PINGS, MAX_PING_STRIKES } from "./options.js";

export function connectionManagement(
  options: ServerKeepaliveOptions,
  clock: PoolClock = SYSTEM_CLOCK,
  onAction?: (action: ManagementAction) => void,
): (connection: ManagedConnection) => ManagedConnectionEvents {
  const resolved = resolveKeepalive(options);
  return (connection) => new ConnectionPolicy(connection, resolved, clock, onAction);
}
