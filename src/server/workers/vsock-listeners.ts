/**
 * VSOCK under workers: the primary opens each listening AF_VSOCK socket once and its workers inherit the file
 * descriptor (an extra stdio slot of the fork), each accepting from it with libuv: a pre-fork server, where the
 * kernel gives each connection to exactly one worker. (node:cluster cannot share these: it only knows TCP and
 * unix sockets, and node's IPC cannot pass an AF_VSOCK handle.) Each worker applies the CID allowlist itself, to
 * the connections it accepts, as a single-process server's listener does.
 */
import type { Duplex } from "node:stream";
import { formatAddress, parseAddress } from "../../transport/address.js";
import type { Listener, PeerInfo } from "../../transport/types.js";
import type { CidGate } from "../accept-policy.js";

const BACKLOG = 511;

export interface OpenedVsockSocket {
  readonly fd: number;
  /** The bound address (an ephemeral port resolved). */
  readonly url: string;
  close(): void;
}

/** Primary side: a bound, listening AF_VSOCK socket that workers will inherit. Throws when vsock is unavailable. */
export async function openVsockListeningSocket(url: string): Promise<OpenedVsockSocket> {
  const address = parseAddress(url, true);
  if (address.scheme !== "vsock") throw new TypeError(`${url} is not a vsock:// address`);
  const { vsockAddon } = await import("../../transport/vsock-native.js");
  const addon = vsockAddon();
  const fd = addon.listen(address.cid, address.port === 0 ? addon.PORT_ANY : address.port, BACKLOG);
  try {
    const name = addon.sockName(fd);
    return { fd, url: formatAddress({ scheme: "vsock", cid: name.cid, port: name.port }), close: () => addon.close(fd) };
  } catch (error) {
    addon.close(fd);
    throw error;
  }
}

/**
 * Worker side: accepts connections on an inherited listening fd, like the VSOCK transport's own listener. With a
 * gate, a peer whose CID is not allowed is closed before onConnection (before any HTTP/2 byte).
 */
export async function acceptOnInheritedVsock(fd: number, url: string, onConnection: (socket: Duplex, peer: PeerInfo) => void, gate?: CidGate): Promise<Listener> {
  const [{ vsockAddon }, { acceptOnFd }] = await Promise.all([import("../../transport/vsock-native.js"), import("../../transport/vsock-handle.js")]);
  const addon = vsockAddon();
  const peerOf = (clientFd: number): PeerInfo => {
    try {
      const peer = addon.peerName(clientFd);
      return { transport: "vsock", label: `vsock:${peer.cid}:${peer.port}`, cid: peer.cid, port: peer.port };
    } catch {
      return { transport: "vsock", label: "vsock:?:?" }; // the peer already left; its socket reports that itself
    }
  };
  // A failed accept (EMFILE, ECONNABORTED) concerns one connection; libuv keeps accepting.
  const accepted = (socket: Duplex, clientFd: number): void => {
    const peer = peerOf(clientFd);
    if (gate !== undefined && !gate.filter.allows(peer)) {
      socket.destroy();
      gate.onRefused(peer);
      return;
    }
    onConnection(socket, peer);
  };
  const loop = acceptOnFd(fd, BACKLOG, accepted, () => undefined);
  return { url, address: parseAddress(url, true), close: () => loop.close() };
}
