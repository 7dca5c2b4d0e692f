/**
 * TLS over TCP: tls://HOST:PORT. TLS 1.2 or later, ALPN "h2" (gRPC runs on HTTP/2 only), and with a client CA,
 * mutual TLS: a client without a certificate signed by that CA fails the handshake and never reaches HTTP/2.
 * The engines see the decrypted TLSSocket as any other Duplex.
 */
import { readFileSync } from "node:fs";
import net, { isIP } from "node:net";
import tls from "node:tls";
import { awaitConnect } from "./connect-guard.js";
import { handedOverListener, handOffOr, listenNetServer } from "./net-listener.js";
import type { Duplex } from "node:stream";
import { type Address, formatAddress } from "./address.js";
import type { ConnectOptions, Listener, PeerCertificate, PeerInfo, Transport } from "./types.js";

type Pem = string | Buffer;

export interface TlsServerOptions {
  /** PEM certificate chain and private key of the server. */
  cert: Pem;
  key: Pem;
  /** PEM CA certificate(s): when set, clients must present a certificate they signed (mutual TLS). */
  clientCa?: Pem;
  /** Called for each failed handshake (bad client certificate, wrong protocol...): the connection is gone. */
  onHandshakeError?(error: Error, remote: string): void;
}

export interface TlsClientOptions {
  /** PEM CA certificate(s) to trust instead of the system's. */
  ca?: Pem;
  /** PEM client certificate and key, for servers that require mutual TLS. */
  cert?: Pem;
  key?: Pem;
  /** The name the server certificate must carry (default: the target's host). */
  servername?: string;
  /** false: accept any server certificate (load generators' --insecure; never for real clients). Default true. */
  rejectUnauthorized?: boolean;
}

const MIN_VERSION = "TLSv1.2";
const ALPN = ["h2"];

function expectTls(address: Address): { host: string; port: number } {
  if (address.scheme !== "tls") throw new TypeError(`the TLS transport cannot serve ${formatAddress(address)}`);
  return address;
}

/** Read once per connection, after the handshake (never per call). */
function tlsPeer(socket: tls.TLSSocket): PeerInfo {
  const host = socket.remoteAddress ?? "?";
  const label = host.includes(":") ? `[${host}]:${socket.remotePort ?? 0}` : `${host}:${socket.remotePort ?? 0}`;
  const certificate = peerCertificate(socket);
  return {
    transport: "tls",
    label,
    address: host,
    port: socket.remotePort ?? 0,
    tls: {
      protocol: socket.getProtocol(),
      alpn: typeof socket.alpnProtocol === "string" ? socket.alpnProtocol : null,
      ...(certificate !== undefined ? { certificate } : {}),
    },
  };
}

function nameFields(name: Readonly<Record<string, string | string[] | undefined>> | undefined): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key in name) {
    const value = name[key];
    if (value !== undefined) out[key] = value;
  }
  return out;
}

function peerCertificate(socket: tls.TLSSocket): PeerCertificate | undefined {
  const cert = socket.getPeerCertificate();
  // An empty object when the client sent none.
  if (cert === null || typeof cert !== "object" || cert.fingerprint256 === undefined) return undefined;
  return {
    subject: nameFields(cert.subject),
    issuer: nameFields(cert.issuer),
    subjectAltNames: cert.subjectaltname === undefined ? [] : cert.subjectaltname.split(", ").filter((entry) => entry !== ""),
    fingerprint256: cert.fingerprint256,
    serialNumber: cert.serialNumber,
    validFrom: cert.valid_from,
    validTo: cert.valid_to,
    verified: socket.authorized,
  };
}

/** Reads the PEM files the CLIs name (--tls-cert, --tls-key, --tls-client-ca; --ca, --cert, --key), with clear errors. */
export function readPem(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot read ${what} ${path}: ${detail}`);
  }
}

/** A tls.Server (not listening) that hands each connection to onConnection once the handshake is done. Throws on bad material. */
function createSecureServer(server: TlsServerOptions | undefined, onConnection: (socket: Duplex, peer: PeerInfo) => void): tls.Server {
  if (server === undefined) throw new TypeError("a tls:// listener needs a certificate and a key (--tls-cert, --tls-key)");
  let secureServer: tls.Server;
  try {
    secureServer = tls.createServer({
      cert: server.cert,
      key: server.key,
      minVersion: MIN_VERSION,
      ALPNProtocols: ALPN,
      ...(server.clientCa !== undefined ? { ca: server.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
    }, (socket) => {
      socket.setNoDelay(true);
      onConnection(socket, tlsPeer(socket));
    });
  } catch (error) {
    // Bad PEM, key not matching the certificate...: a configuration error, reported at listen time.
    throw new Error(`invalid TLS configuration: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  secureServer.on("tlsClientError", (error, socket) => {
    server.onHandshakeError?.(error, `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`);
  });
  return secureServer;
}

/** A TLS transport with its certificates: `server` is needed to listen, `client` (optional) to connect. */
export function tlsTransport(options: { server?: TlsServerOptions; client?: TlsClientOptions } = {}): Transport {
  return {
    scheme: "tls",

    listen(address, onConnection, listenOptions = {}) {
      const { host, port } = expectTls(address);
      let secureServer: tls.Server;
      try {
        secureServer = createSecureServer(options.server, onConnection);
      } catch (error) {
        return Promise.reject(error);
      }
      const { handOff } = listenOptions;
      if (handOff === undefined) return listenNetServer(secureServer, "tls", host, port);
      // The choice is made before the handshake: a plain TCP listener, and the TLS server only for what stays here.
      const raw = net.createServer({ pauseOnConnect: true }, handOffOr(handOff, (socket) => secureServer.emit("connection", socket)));
      return listenNetServer(raw, "tls", host, port);
    },

    adoptHandedOver(address, onConnection) {
      expectTls(address);
      const secureServer = createSecureServer(options.server, onConnection);
      return handedOverListener(address, (socket) => secureServer.emit("connection", socket));
    },

    connect(address, connectOptions: ConnectOptions = {}) {
      const { host, port } = expectTls(address);
      const client = options.client ?? {};
      const servername = client.servername ?? (isIP(host) === 0 ? host : undefined);
      let socket: tls.TLSSocket;
      try {
        socket = tls.connect({
          host, port, minVersion: MIN_VERSION, ALPNProtocols: ALPN,
          ...(servername !== undefined ? { servername } : {}),
          ...(client.ca !== undefined ? { ca: client.ca } : {}),
          ...(client.cert !== undefined ? { cert: client.cert } : {}),
          ...(client.key !== undefined ? { key: client.key } : {}),
          ...(client.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
        });
      } catch (error) {
        return Promise.reject(error);
      }
      const notHttp2 = (connected: tls.TLSSocket) => connected.alpnProtocol === "h2"
        ? undefined
        : Object.assign(new Error(`server did not agree to HTTP/2 over TLS (ALPN "${String(connected.alpnProtocol)}")`), { code: "EPROTO" });
      return awaitConnect(socket, "secureConnect", connectOptions, "TLS connect", notHttp2).then((connected): Duplex => {
        connected.setNoDelay(true);
        return connected;
      });
    },
  };
}
