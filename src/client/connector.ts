/**
 * The connector seam: turns a target address into an HTTP/2 client session. The pool only ever calls this, so
 * tests can inject failures and TLS or other transports slot in here.
 */
import type { ClientEngine, ClientSession, ClientSessionEvents } from "../engine/types.js";
import { isIP } from "node:net";
import { type Address, formatAddress } from "../transport/address.js";
import { transportFor } from "../transport/registry.js";
import type { TlsClientOptions } from "../transport/tls.js";

export interface ConnectRequest {
  readonly address: Address;
  readonly timeoutMs: number;
  readonly events: ClientSessionEvents;
  readonly signal?: AbortSignal;
  /** The :authority to send instead of the address's own (a resolver's target name, e.g. "echo.svc:50051"). */
  readonly authority?: string;
}

export type Connector = (request: ConnectRequest) => Promise<ClientSession>;

/**
 * The standard connector: a transport connect, then the engine's HTTP/2 handshake on the socket. tls:// targets
 * use `tls` (CA, client certificate) and handshake with ":scheme https".
 */
export function buildConnector(engine: ClientEngine, tls?: TlsClientOptions): Connector {
  return async ({ address, timeoutMs, events, signal, authority: named }) => {
    if (address.scheme === "tls") {
      // A resolved address (dns:///HOST:PORT with TLS) is an IP: the certificate must name HOST, the target's name,
      // as in gRPC; an explicit servername overrides both.
      const servername = tls?.servername ?? hostOf(named);
      const client = servername !== undefined ? { ...tls, servername } : tls;
      const transport = await transportFor(address, client ? { client } : {});
      const socket = await transport.connect(address, { timeoutMs, ...(signal ? { signal } : {}) });
      const authority = tls?.servername !== undefined ? `${tls.servername}:${address.port}` : named ?? formatAddress(address).slice("tls://".length);
      return engine.connect(socket, { authority, secure: true }, events);
    }
    const transport = await transportFor(address);
    const socket = await transport.connect(address, { timeoutMs, ...(signal ? { signal } : {}) });
    const authority = named !== undefined ? named : address.scheme === "vsock" ? `vsock-${address.cid}-${address.port}`
      : address.scheme === "firecracker" ? `firecracker-vsock-${address.port}`
      // gRPC's choice for unix targets: an authority is a host name, and a path is not one.
      : address.scheme === "unix" ? "localhost"
      : formatAddress(address).replace(/^[a-z]+:\/\//, "");
    return engine.connect(socket, { authority, secure: false }, events);
  };
}

/** The host of an authority ("HOST:PORT", "[V6]:PORT") when it is a name, not an IP (undefined otherwise). */
function hostOf(authority: string | undefined): string | undefined {
  if (authority === undefined) return undefined;
  const host = authority.startsWith("[") ? authority.slice(1, authority.indexOf("]")) : authority.replace(/:\d+$/, "");
  return host === "" || isIP(host) !== 0 ? undefined : host;
}
