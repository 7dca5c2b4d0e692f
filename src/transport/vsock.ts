/**
 * VSOCK (AF_VSOCK) transport: vsock://CID:PORT. The addon (vsock-native.ts) makes the sockets, vsock-handle.ts
 * wraps their fds in native libuv streams, so the HTTP/2 engines see ordinary net.Sockets.
 */
import type { Duplex } from "node:stream";
import { type Address, formatAddress } from "./address.js";
import type { ConnectOptions, Listener, PeerInfo, Transport } from "./types.js";
import { acceptOnFd, socketFromFd } from "./vsock-handle.js";
import { type VsockAddon, vsockAddon } from "./vsock-native.js";

const BACKLOG = 511;

function expectVsock(address: Address): { cid: number; port: number } {
  if (address.scheme !== "vsock") throw new TypeError(`the VSOCK transport cannot serve ${formatAddress(address)}`);
  return address;
}

function peerOf(addon: VsockAddon, fd: number): PeerInfo {
  try {
    const peer = addon.peerName(fd);
    return { transport: "vsock", label: `vsock:${peer.cid}:${peer.port}`, cid: peer.cid, port: peer.port };
  } catch {
    // the peer left between accept and here: the socket reports that itself
    return { transport: "vsock", label: "vsock:?:?" };
  }
}

function abortError(signal: AbortSignal): Error {
  return Object.assign(new Error("connect aborted", { cause: signal.reason }), { code: "ABORT_ERR" });
}

/** Our connect timeout in whole ms for the addon (0 = only the kernel's, 2 s by default). */
function timeoutOf(options: ConnectOptions): number {
  const ms = options.timeoutMs;
  if (ms === undefined || !Number.isFinite(ms)) return 0;
  return Math.min(0xffffffff, Math.max(1, Math.ceil(ms)));
}

export const vsockTransport: Transport = {
  scheme: "vsock",

  async listen(address, onConnection) {
    const { cid, port } = expectVsock(address);
    const addon = vsockAddon();
    // Port 0 asks for an ephemeral port; vsock spells that VMADDR_PORT_ANY (port 0 itself is a reserved port).
    const fd = addon.listen(cid, port === 0 ? addon.PORT_ANY : port, BACKLOG);
    let bound: Address;
    try {
      const name = addon.sockName(fd);
      bound = { scheme: "vsock", cid: name.cid, port: name.port };
    } catch (error) {
      addon.close(fd);
      throw error;
    }
    const loop = acceptOnFd(
      fd,
      BACKLOG,
      (socket, clientFd) => onConnection(socket, peerOf(addon, clientFd)),
      // A failed accept (EMFILE, ECONNABORTED) concerns one connection; libuv keeps accepting the next ones.
      () => undefined,
    );
    const listener: Listener = { url: formatAddress(bound), address: bound, close: () => loop.close() };
    return listener;
  },

  connect(address, options: ConnectOptions = {}) {
    return new Promise<Duplex>((resolve, reject) => {
      const { cid, port } = expectVsock(address);
      const { signal } = options;
      if (signal?.aborted) throw abortError(signal);
      const addon = vsockAddon();
      let fd = -1;
      const onAbort = () => {
        if (signal && addon.cancelConnect(fd)) reject(abortError(signal));
      };
      fd = addon.connect(cid, port, timeoutOf(options), (error) => {
        signal?.removeEventListener("abort", onAbort);
        if (error) return reject(error);
        try {
          resolve(socketFromFd(fd));
        } catch (wrapError) {
          reject(wrapError);
        }
      });
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  },
};
