/** Resolvers: which one a client target uses, and the pieces a custom resolver is built from. */
import { type Address, formatAddress } from "../../transport/address.js";
import { DnsResolver, type DnsResolverOptions } from "./dns.js";
import { StaticResolver } from "./static.js";
import { isResolverTarget, parseTarget } from "./target.js";
import type { Resolver } from "./types.js";

export { DnsResolver, type DnsLookup, type DnsResolverOptions, type LookupResult } from "./dns.js";
export { ManualResolver } from "./manual.js";
export { StaticResolver } from "./static.js";
export { DEFAULT_TARGET_PORT, isResolverTarget, parseTarget, type ResolverTarget } from "./target.js";
export type { Resolver, ResolverListener } from "./types.js";

/**
 * The resolver for a client's targets: one dns: target gets a DnsResolver; any other list (each a transport URL,
 * ipv4: or ipv6:) one static list. Throws AddressError for a bad name, before anything connects.
 * `tls`: the client asked for TLS (its `tls` option), so the addresses of dns:, ipv4: and ipv6: names, which carry no
 * scheme of their own, are dialled as tls:// (a tcp:// or tls:// URL keeps the scheme it spells).
 */
export function resolverFor(targets: readonly string[], dns: DnsResolverOptions = {}, tls = false): Resolver {
  const parsed = targets.map(parseTarget);
  const only = parsed[0];
  if (parsed.length === 1 && only?.kind === "dns") return new DnsResolver(only.host, only.port, tls ? { ...dns, tls: true } : dns);
  const addresses: Address[] = [];
  for (const [index, target] of parsed.entries()) {
    if (target.kind === "dns") throw new TypeError(`a dns: target must be the only target (got ${targets[index] ?? ""} among ${targets.length})`);
    const name = targets[index] ?? "";
    for (const address of target.addresses) addresses.push(tls && isResolverTarget(name) && address.scheme === "tcp" ? { ...address, scheme: "tls" } : address);
  }
  return new StaticResolver(addresses);
}

/** How a client names its target in logs and call contexts: the name as given for resolver targets. */
export function targetLabel(targets: readonly string[]): string {
  const first = targets[0] ?? "";
  const parsed = parseTarget(first);
  return parsed.kind === "static" && parsed.addresses.length === 1 && parsed.addresses[0] !== undefined ? formatAddress(parsed.addresses[0]) : first;
}
