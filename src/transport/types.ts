/**
 * The transport seam: how bytes get between a client and a server. TCP and VSOCK (and TLS on top of TCP) are
 * implementations; both engines run on any of them because all they need is a Duplex stream.
 */
import type { Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Address } from "./address.js";

/** Who is on the other end of a connection; shown in logs and given to handlers (ctx.peer). */
export interface PeerInfo {
  /** "tcp", "vsock", "tls". */
  readonly transport: string;
  /** "127.0.0.1:50312", "[::1]:50312", "vsock:3:1234". */
  readonly label: string;
  /** tcp and tls: the peer's IP address and port. */
  readonly address?: string;
  readonly port?: number;
  /** vsock: the peer's context ID (assigned by the hypervisor; the peer cannot choose it) and port. */
  readonly cid?: number;
  /** tls: what the handshake settled. */
  readonly tls?: TlsPeerInfo;
}

export interface TlsPeerInfo {
  /** "TLSv1.3", "TLSv1.2". */
  readonly protocol: string | null;
  /** The ALPN protocol agreed ("h2"). */
  readonly alpn: string | null;
  /** The client certificate, when the client sent one; under mutual TLS it was verified against the client CA. */
  readonly certificate?: PeerCertificate;
}

export interface PeerCertificate {
  /** Subject fields, e.g. { CN: "client-1", O: "Example" }. */
  readonly subject: Readonly<Record<string, string | string[]>>;
  readonly issuer: Readonly<Record<string, string | string[]>>;
  /** subjectAltName entries as node prints them: "DNS:client.example", "IP Address:127.0.0.1", "URI:spiffe://...". */
  readonly subjectAltNames: readonly string[];
  /** SHA-256 fingerprint, "AB:CD:..." (what `openssl x509 -fingerprint -sha256` prints). */
  readonly fingerprint256: string;
  readonly serialNumber: string;
  readonly validFrom: string;
  readonly validTo: string;
  /** Verified against the listener's client CA (always true under mutual TLS: others fail the handshake). */
  readonly verified: boolean;
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

/** How a listener shares its connections with other processes (a multi-process server). */
export interface ListenSocketOptions {
  /**
   * TCP, TLS (before the handshake) and unix: called with each accepted connection before anything reads from it.
   * True when it was given away (to another process, over IPC: transports then leave it alone); false to serve it.
   */
  readonly handOff?: (socket: Socket) => boolean;
}

/** A listener without a socket of its own: it serves connections another process accepted and handed over. */
export interface HandedOverListener extends Listener {
  /** Serves one, as the listener that accepted it would have (TLS: the handshake too); once closed, destroys it. */
  accept(socket: Socket): void;
}

export interface Transport {
  /** The URL scheme this transport serves ("tcp", "vsock"). */
  readonly scheme: string;
  listen(address: Address, onConnection: (socket: Duplex, peer: PeerInfo) => void, options?: ListenSocketOptions): Promise<Listener>;
  /** For connections accepted on `address` by another process and handed over (TCP, TLS, unix). */
  adoptHandedOver?(address: Address, onConnection: (socket: Duplex, peer: PeerInfo) => void): HandedOverListener;
  connect(address: Address, options?: ConnectOptions): Promise<Duplex>;
}
