/**
 * What a server accepts on its listeners, the same in a single process and in every worker: the certificate and
 * key of tls:// listeners (a refused handshake is logged at warn), and the CID allowlist of vsock:// listeners (a
 * refused peer is closed before any HTTP/2 byte, logged at warn and counted).
 */
import type { Logger } from "../log/logger.js";
import { parseAddress } from "../transport/address.js";
import type { PeerInfo } from "../transport/types.js";
import { type CidFilter, cidFilter } from "./cid-allowlist.js";
import type { ServerMetrics } from "./metrics.js";
import type { ListenOptions } from "./server.js";

type Pem = string | Uint8Array;

/** The PEM contents for tls:// listeners, read once at start-up (never logged). */
export interface TlsMaterial {
  readonly cert: Pem;
  readonly key: Pem;
  readonly clientCa?: Pem;
}

/** The policy's settings: plain data, so that a primary can send them to its workers. */
export interface AcceptPolicyConfig {
  readonly tls?: TlsMaterial;
  readonly allowCids?: readonly number[];
}

/** --allow-cid for a listener the server did not open itself: who may connect, and what to do about the others. */
export interface CidGate {
  readonly filter: CidFilter;
  /** Called after a refused connection was destroyed (log it, count it). */
  onRefused(peer: PeerInfo): void;
}

/** The one report of a peer refused by the allowlist. */
export function reportCidRefusal(log: Logger, metrics: Pick<ServerMetrics, "connectionRefused"> | null | undefined, peer: PeerInfo, filter: CidFilter): void {
  metrics?.connectionRefused(peer.transport);
  log.warn({ peer: peer.label, allowed: filter.description }, "connection refused: CID not on the allowlist");
}

/** Only the PEM fields of TLS options (anything else, a callback, could not cross an IPC channel). */
export function tlsMaterial(tls: TlsMaterial): TlsMaterial {
  return { cert: tls.cert, key: tls.key, ...(tls.clientCa !== undefined ? { clientCa: tls.clientCa } : {}) };
}

function pemBuffer(pem: Pem): string | Buffer {
  return typeof pem === "string" ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}

export class AcceptPolicy {
  constructor(private readonly config: AcceptPolicyConfig, private readonly log: Logger, private readonly metrics?: ServerMetrics) {}

  /**
   * GrpcServer.listen's options for `url`: TLS with the handshake log for tls:// (none without material, so that
   * listen refuses the URL with a clear error), the allowlist for vsock://.
   */
  listenOptions(url: string): ListenOptions {
    const scheme = parseAddress(url, true).scheme;
    const { tls, allowCids } = this.config;
    if (scheme === "tls" && tls !== undefined) {
      return {
        tls: {
          cert: pemBuffer(tls.cert),
          key: pemBuffer(tls.key),
          ...(tls.clientCa !== undefined ? { clientCa: pemBuffer(tls.clientCa) } : {}),
          onHandshakeError: (error: Error, remote: string) => this.log.warn({ err: error, remote }, "TLS handshake refused"),
        },
      };
    }
    if (scheme === "vsock" && allowCids !== undefined) return { allowCids };
    return {};
  }

  /** The allowlist gate for VSOCK listeners opened elsewhere (a worker's inherited descriptors); undefined = all pass. */
  cidGate(): CidGate | undefined {
    if (this.config.allowCids === undefined) return undefined;
    const filter = cidFilter(this.config.allowCids);
    return { filter, onRefused: (peer) => reportCidRefusal(this.log, this.metrics, peer, filter) };
  }
}
