/**
 * The OpenTelemetry semantic conventions for RPC spans (gRPC), as attribute names and the span-status rule.
 * Written out here rather than imported from @opentelemetry/semantic-conventions: the names are stable and the
 * package would be one more peer dependency.
 */
import { Code } from "../errors/codes.js";

export const ATTR_RPC_SYSTEM = "rpc.system";
export const ATTR_RPC_SERVICE = "rpc.service";
export const ATTR_RPC_METHOD = "rpc.method";
export const ATTR_RPC_GRPC_STATUS_CODE = "rpc.grpc.status_code";
export const ATTR_SERVER_ADDRESS = "server.address";
export const ATTR_SERVER_PORT = "server.port";
export const ATTR_NETWORK_PEER_ADDRESS = "network.peer.address";
export const ATTR_NETWORK_PEER_PORT = "network.peer.port";
export const ATTR_NETWORK_TRANSPORT = "network.transport";

/** Codes a server span marks as errors (the conventions: the server's fault, not the client's). */
const SERVER_ERROR_CODES = new Set<number>([
  Code.UNKNOWN, Code.DEADLINE_EXCEEDED, Code.UNIMPLEMENTED, Code.INTERNAL, Code.UNAVAILABLE, Code.DATA_LOSS,
]);

/** Client spans are errors for every non-OK status, server spans only for the codes above. */
export function isSpanError(code: number, side: "client" | "server"): boolean {
  if (code === Code.OK) return false;
  return side === "client" || SERVER_ERROR_CODES.has(code);
}

/** host and port of a target URL ("tcp://127.0.0.1:50051", "tls://[::1]:443", "vsock://3:1234"). */
export function targetAddress(target: string): { address: string; port: number | undefined } {
  const match = /^[a-z]+:\/\/(\[[^\]]*\]|[^:/]*)(?::(\d+))?/.exec(target);
  if (match === null) return { address: target, port: undefined };
  const host = (match[1] ?? "").replace(/^\[|\]$/g, "");
  return { address: host, port: match[2] === undefined ? undefined : Number(match[2]) };
}
