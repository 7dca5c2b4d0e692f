/**
 * The connector for tls:// targets: a TLS connect with the client's CA / certificate options, then the engine's
 * HTTP/2 handshake with ":scheme https". Other schemes go to the standard connector.
 * TODO: fold into src/client/connector.ts (owned by the pool helper) once both settle; kept apart so that file
 * did not need to change.
 */
import type { ClientEngine } from "../engine/types.js";
import { formatAddress } from "../transport/address.js";
import { transportFor } from "../transport/registry.js";
import type { TlsClientOptions } from "../transport/tls.js";
import { type Connector, buildConnector } from "./connector.js";

export function buildTlsAwareConnector(engine: ClientEngine, tls: TlsClientOptions | undefined): Connector {
  const plain = buildConnector(engine);
  return async (request) => {
    const { address, timeoutMs, events, signal } = request;
    if (address.scheme !== "tls") return plain(request);
    const transport = await transportFor(address, tls ? { client: tls } : {});
    const socket = await transport.connect(address, { timeoutMs, ...(signal ? { signal } : {}) });
    const authority = tls?.servername !== undefined ? `${tls.servername}:${address.port}` : formatAddress(address).slice("tls://".length);
    return engine.connect(socket, { authority, secure: true }, events);
  };
}
