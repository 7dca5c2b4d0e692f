/**
 * Finds the transport for an address. VSOCK is loaded on first use only, so that machines without the native
 * addon (or without vsock) never load it.
 */
import type { Address } from "./address.js";
import { tcpTransport } from "./tcp.js";
import type { Transport } from "./types.js";

let vsock: Promise<Transport> | undefined;

export async function transportFor(address: Address): Promise<Transport> {
  switch (address.scheme) {
    case "tcp":
      return tcpTransport;
    case "vsock":
      vsock ??= import("./vsock.js").then((module) => module.vsockTransport);
      return vsock;
    case "tls":
      throw new TypeError("tls:// is not supported yet");
  }
}
