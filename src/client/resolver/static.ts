/** A fixed address list (tcp://, tls://, vsock://, unix:, ipv4:, ipv6: targets): given once, never re-resolved. */
import type { Address } from "../../transport/address.js";
import type { Resolver, ResolverListener } from "./types.js";

export class StaticResolver implements Resolver {
  constructor(private readonly addresses: readonly Address[]) {}

  start(listener: ResolverListener): void {
    listener.onAddresses(this.addresses);
  }

  requestResolution(): void {}

  close(): void {}
}
