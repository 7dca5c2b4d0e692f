/**
 * The transport seam: how bytes get between a client and a server. TCP and VSOCK (and TLS on top of TCP) are
 * implementations; both engines run on any of them because all they need is a Duplex stream.
 */
import type { Duplex } from "node:stream";
import type { Address } from "./address.js";

/** Who is on the other end of a connection; shown in logs. */
export interface PeerInfo {
  /** "tcp", "vsock", "tls". */
  readonly transport: string;
  /** "127.0.0.1:50312", "[::1]:50312", "vsock:3:1234". */
  readonly label: string;
}

export interface Listener {
  /** The address actually bound (an ephemeral port resolved), as a URL: "tcp://127.0.0.1:43121". */
  readonly url: string;
  readonly address: Address;
  /** Stops accepting; existing connections are not touched. */
  close(): Promise<void>;
}

export interface ConnectOptions {
  /** Give up after this long (ms); the error's code is ETIMEDOUT. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Transport {
  /** The URL scheme this transport serves ("tcp", "vsock"). */
  readonly scheme: string;
  listen(address: Address, onConnection: (socket: Duplex, peer: PeerInfo) => void): Promise<Listener>;
  connect(address: Address, options?: ConnectOptions): Promise<Duplex>;
}
