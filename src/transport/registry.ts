/**
 * Finds the transport for an address. VSOCK is loaded on first use only, so that machines without the native
 * addon (or without vsock) never load it. TLS carries its certificates, so it is made per use.
 */
import type { Address } from "./address.js";
import { tcpTransport } from "./tcp.js";
import type { TlsClientOptions, TlsServerOptions } from "./tls.js";
import type { Transport } from "./types.js";

let vsock: Promise<Transport> | undefined;

/** Certificates for tls:// addresses: `server` to listen, `client` to connect (system CAs when absent). */
export interface TransportSecurity {
  server?: TlsServerOptions;
  client?: TlsClientOptions;
}

export async function transportFor(address: Address, security?: TransportSecurity): Promise<Transport> {
  switch (address.scheme) {
    case "tcp":
      return tcpTransport;
    case "vsock":
      vsock ??= import("./vsock.js").then((module) => module.vsockTransport);
      return vsock;
    case "firecracker": {
      const { firecrackerTransport } = await import("./firecracker.js");
      return firecrackerTransport;
    }
    case "unix": {
      const { unixTransport } = await import("./unix.js");
      return unixTransport;
    }
    case "tls": {
      const { tlsTransport } = await import("./tls.js");
      return tlsTransport(security ?? {});
    }
  }
}
