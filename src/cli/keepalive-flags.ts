/**
 * fastgrpc-server's keepalive and connection management flags (GrpcServer's `keepalive` option, docs/fleet.md).
 * None given: no connection management at all, as before.
 */
import type { ServerKeepaliveOptions } from "../server/connection-management/options.js";
import { positiveInteger } from "./args.js";

export const KEEPALIVE_USAGE = `  --keepalive-time-ms N    ping a client after N ms without a call starting or ending (default off)
  --keepalive-timeout-ms N close the connection when that ping is not answered in N ms (default 20000)
  --keepalive-min-ping-interval-ms N  client PINGs closer together are strikes; after 2, GOAWAY
                           ENHANCE_YOUR_CALM "too_many_pings" (default 300000 once any of these flags is given)
  --keepalive-permit-without-stream   allow client keepalive PINGs while no call is open
  --max-connection-idle-ms N   GOAWAY after N ms without an open call (default off)
  --max-connection-age-ms N    GOAWAY once a connection is N ms old, +-10% jitter (default off): clients rebalance
  --max-connection-age-grace-ms N  then close it after N ms more (default: wait for its calls)
`;

export const KEEPALIVE_FLAGS = {
  "keepalive-time-ms": { type: "string" },
  "keepalive-timeout-ms": { type: "string" },
  "keepalive-min-ping-interval-ms": { type: "string" },
  "keepalive-permit-without-stream": { type: "boolean" },
  "max-connection-idle-ms": { type: "string" },
  "max-connection-age-ms": { type: "string" },
  "max-connection-age-grace-ms": { type: "string" },
} as const;

type FlagValues = { [K in keyof typeof KEEPALIVE_FLAGS]?: (typeof KEEPALIVE_FLAGS)[K]["type"] extends "boolean" ? boolean : string };

const DURATIONS = [
  ["keepalive-time-ms", "timeMs"],
  ["keepalive-timeout-ms", "timeoutMs"],
  ["keepalive-min-ping-interval-ms", "minPingIntervalMs"],
  ["max-connection-idle-ms", "maxConnectionIdleMs"],
  ["max-connection-age-ms", "maxConnectionAgeMs"],
  ["max-connection-age-grace-ms", "maxConnectionAgeGraceMs"],
] as const;

/** The `keepalive` option from the flags, or undefined when none was given. Bad numbers are UsageErrors. */
export function parseKeepaliveFlags(values: FlagValues): ServerKeepaliveOptions | undefined {
  const options: ServerKeepaliveOptions = {};
  let given = false;
  for (const [flag, key] of DURATIONS) {
    const value = values[flag];
    if (value === undefined) continue;
    options[key] = positiveInteger(flag, value, 0, true);
    given = true;
  }
  if (values["keepalive-permit-without-stream"] === true) {
    options.permitWithoutStream = true;
    given = true;
  }
  return given ? options : undefined;
}
