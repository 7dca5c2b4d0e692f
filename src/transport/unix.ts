/**
 * Unix-domain sockets: unix:///PATH (a socket file) and unix-abstract:NAME (Linux's abstract namespace, no file).
 * Same-host clients skip TCP's loopback stack; file permissions decide who may connect.
 */
import cluster from "node:cluster";
import { lstat, unlink } from "node:fs/promises";
import net from "node:net";
import { type Address, formatAddress } from "./address.js";
import { awaitConnect } from "./connect-guard.js";
import type { ConnectOptions, Listener, PeerInfo, Transport } from "./types.js";

type UnixAddress = Extract<Address, { scheme: "unix" }>;

function expectUnix(address: Address): UnixAddress {
  if (address.scheme !== "unix") throw new TypeError(`the unix transport cannot serve ${formatAddress(address)}`);
  return address;
}

/** What node's net module takes: abstract names start with a NUL byte. */
function socketPath(address: UnixAddress): string {
  return address.abstract ? `\0${address.path}` : address.path;
}

/**
 * A socket file left by a process that is gone makes listen fail with EADDRINUSE: remove it first (as gRPC
 * C-core does). Only sockets are removed, never a regular file someone put there by mistake.
 */
async function removeStaleSocket(path: string): Promise<void> {
  try {
    if ((await lstat(path)).isSocket()) await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

export const unixTransport: Transport = {
  scheme: "unix",

  async listen(address, onConnection) {
    const unix = expectUnix(address);
    const label = formatAddress(unix);
    const peer: PeerInfo = { transport: "unix", label };
    // Under node:cluster (the server's workers) the primary binds once for every worker: a worker removing the
    // file would unlink the socket the others already serve. TODO: the primary could clear a stale file first;
    // until then a stale socket file under --workers fails with EADDRINUSE (remove it by hand).
    if (!unix.abstract && !cluster.isWorker) await removeStaleSocket(unix.path);
    const server = net.createServer((socket) => onConnection(socket, peer));
    return new Promise<Listener>((resolve, reject) => {
      server.once("error", reject);
      server.listen({ path: socketPath(unix), backlog: 511 }, () => {
        server.off("error", reject);
        // A listening server's later errors (e.g. EMFILE on accept) must never crash the process.
        server.on("error", () => undefined);
        resolve({
          url: label,
          address: unix,
          // node unlinks the socket file when the server closes; stopping the accept is what we promise.
          close: () => {
            server.close();
            return Promise.resolve();
          },
        });
      });
    });
  },

  connect(address, options: ConnectOptions = {}) {
    const unix = expectUnix(address);
    return awaitConnect(net.connect({ path: socketPath(unix) }), "connect", options, "connect");
  },
};
