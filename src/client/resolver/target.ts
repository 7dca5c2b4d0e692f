/**
 * Target names as gRPC's naming.md writes them, beside fastgrpc's transport URLs:
 *   dns:///HOST[:PORT], dns:HOST[:PORT]    every A/AAAA record of HOST, re-resolved (port 443 when absent)
 *   ipv4:A[:PORT],B[:PORT]...              a fixed list of IPv4 addresses
 *   ipv6:[A][:PORT],[B]:PORT...            a fixed list of IPv6 addresses (brackets needed with a port)
 *   tcp://, tls://, vsock://, firecracker://, unix:, unix-abstract:   one fixed address (src/transport/address.ts)
 */
import { isIPv4, isIPv6 } from "node:net";
import { type Address, AddressError, parseAddress } from "../../transport/address.js";

/** gRPC's default port for dns:, ipv4: and ipv6: targets without one. */
export const DEFAULT_TARGET_PORT = 443;

export type ResolverTarget =
  | { readonly kind: "static"; readonly addresses: readonly Address[] }
  | { readonly kind: "dns"; readonly host: string; readonly port: number };

/** True for names that need the resolver layer (dns:, ipv4:, ipv6:) rather than parseAddress alone. */
export function isResolverTarget(target: string): boolean {
  return /^(dns|ipv4|ipv6):/.test(target);
}

export function parseTarget(target: string): ResolverTarget {
  if (target.startsWith("dns:")) return parseDns(target);
  if (target.startsWith("ipv4:") || target.startsWith("ipv6:")) {
    const family = target.startsWith("ipv4:") ? 4 : 6;
    const list = target.slice(5);
    if (list === "") throw new AddressError(`invalid target "${target}": no addresses`);
    const addresses = list.split(",").map((entry) => parseIpEntry(entry, family, target));
    return { kind: "static", addresses };
  }
  return { kind: "static", addresses: [parseAddress(target)] };
}

function parseDns(target: string): ResolverTarget {
  let rest = target.slice("dns:".length);
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    // An authority names the DNS server to ask; node's getaddrinfo always asks the system's.
    if (authority !== "") throw new AddressError(`invalid target "${target}": a DNS server authority (dns://SERVER/...) is not supported; use dns:///HOST:PORT`);
    if (slash < 0) throw new AddressError(`invalid target "${target}": expected dns:///HOST[:PORT]`);
    rest = rest.slice(slash + 1);
  }
  const { host, port } = splitHostPort(rest, target);
  if (host === "") throw new AddressError(`invalid target "${target}": empty host`);
  return { kind: "dns", host, port };
}

function parseIpEntry(entry: string, family: 4 | 6, target: string): Address {
  const { host, port } = family === 6 && !entry.startsWith("[") ? { host: entry, port: DEFAULT_TARGET_PORT } : splitHostPort(entry, target);
  if (family === 4 ? !isIPv4(host) : !isIPv6(host)) throw new AddressError(`invalid target "${target}": "${host}" is not an IPv${family} address`);
  return { scheme: "tcp", host, port };
}

/** HOST, HOST:PORT, [V6], [V6]:PORT; the port defaults to 443. */
function splitHostPort(text: string, target: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]/]*))(?::(\d{1,5}))?$/.exec(text);
  if (!match) throw new AddressError(`invalid target "${target}": expected HOST[:PORT] or [IPV6][:PORT]`);
  const host = match[1] ?? match[2] ?? "";
  const port = match[3] === undefined ? DEFAULT_TARGET_PORT : Number(match[3]);
  if (port === 0 || port > 65535) throw new AddressError(`invalid target "${target}": port out of range`);
  return { host, port };
}
