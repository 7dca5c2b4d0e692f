/** The load-balancing names the pool understands, and how it reports its subchannels. */
import type { Connectivity } from "./target.js";

/** gRPC's two standard load-balancing policies (their names in an A2 service config's loadBalancingConfig). */
export type LoadBalancingPolicy = "round_robin" | "pick_first";
export const LOAD_BALANCING_POLICIES: readonly LoadBalancingPolicy[] = ["round_robin", "pick_first"];

/** A target's address and its gRPC connectivity state (for diagnostics and tests). */
export interface SubchannelInfo {
  readonly address: string;
  readonly state: Connectivity;
  readonly sessions: number;
}
