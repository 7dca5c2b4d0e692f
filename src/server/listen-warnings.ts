/**
 * The warning for a plaintext listener that other machines can reach: without TLS, anyone who reaches the port
 * can call every method — including signing with the server's keys.
 */
import { isIP } from "node:net";
import { type Address, formatAddress } from "../transport/address.js";

/** True for 127.0.0.0/8, ::1 and "localhost" (and IPv4-mapped loopback). */
export function isLoopbackHost(host: string): boolean {
  const lower = host.toLowerCase();
  if (lower === "localhost" || lower === "::1" || lower === "0:0:0:0:0:0:0:1") return true;
  const v4 = lower.startsWith("::ffff:") ? lower.slice(7) : lower;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/**
 * The warning to log for a listener, or undefined when there is nothing to warn about (TLS, VSOCK, loopback).
 * GrpcServer.listen logs it at warn; a CLI may print it too.
 */
export function plaintextExposureWarning(address: Address): string | undefined {
  if (address.scheme !== "tcp" || isLoopbackHost(address.host)) return undefined;
  return `listening on ${formatAddress(address)} without TLS: anyone who can reach this port can call every method, `
    + "including signing with this server's keys; use tls:// (with --tls-client-ca for mutual TLS) or a loopback address";
}
