/**
 * Unix-domain sockets: unix:///PATH (a socket file) and unix-abstract:NAME (Linux's abstract namespace, no file).
 * Same-host clients skip TCP's loopback stack; file permissions decide who may connect.
 */
import { lstat, unlink } from "node:fs/promises";
import net from "node:net";
import { type Address, formatAddress } from "./address.js";
import { awaitConnect } from "./connect-guard.js";
import { handedOverListener, handOffOr } from "./net-listener.js";
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

/** A probe connect to a socket file that neither connects nor fails within this long counts as a live listener. */
const PROBE_TIMEOUT_MS = 1000;

/** What a socket file is: nothing there, a live listener, a stale file (ECONNREFUSED), or unknown (left alone). */
type SocketFileState = "absent" | "live" | "stale" | "unknown";

function probeSocketFile(path: string): Promise<SocketFileState> {
  return new Promise((resolve) => {
    const socket = net.connect({ path });
    let settled = false;
    const done = (state: SocketFileState) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(state);
    };
    const timer = setTimeout(() => done("live"), PROBE_TIMEOUT_MS);
    socket.once("connect", () => done("live"));
    // Kept for the socket's life: an error after the answer (the peer resetting) must not go unhandled.
    socket.on("error", (error: NodeJS.ErrnoException) => done(error.code === "ECONNREFUSED" ? "stale" : error.code === "ENOENT" ? "absent" : "unknown"));
  });
}

export class UnixSocketInUseError extends Error {
  override readonly name = "UnixSocketInUseError";
  readonly code = "EADDRINUSE";
}

/**
 * Before listening on a socket file: a file left by a process that is gone (a connect to it is refused) would make
 * listen fail with EADDRINUSE, so it is removed, as gRPC C-core does. A socket someone still listens on is never
 * removed (UnixSocketInUseError: two servers must not share a path silently), nor a file that is not a socket
 * (listen then fails with EADDRINUSE). Run by the process that binds: the server itself, or under --workers the
 * primary (its workers are handed the connections it accepts; they bind nothing).
 */
export async function removeStaleSocket(path: string): Promise<void> {
  try {
    if (!(await lstat(path)).isSocket()) return;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  const state = await probeSocketFile(path);
  if (state === "live") throw new UnixSocketInUseError(`unix://${path} is in use: another process listens on it (stop it, or choose another path)`);
  if (state !== "stale") return;
  try {
    await unlink(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
}

export const unixTransport: Transport = {
  scheme: "unix",

  async listen(address, onConnection, options = {}) {
    const unix = expectUnix(address);
    const label = formatAddress(unix);
    const peer: PeerInfo = { transport: "unix", label };
    if (!unix.abstract) await removeStaleSocket(unix.path);
    const server = net.createServer({ pauseOnConnect: options.handOff !== undefined }, handOffOr(options.handOff, (socket) => onConnection(socket, peer)));
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

  adoptHandedOver(address, onConnection) {
    const unix = expectUnix(address);
    const peer: PeerInfo = { transport: "unix", label: formatAddress(unix) };
    return handedOverListener(unix, (socket) => onConnection(socket, peer));
  },

  connect(address, options: ConnectOptions = {}) {
    const unix = expectUnix(address);
    return awaitConnect(net.connect({ path: socketPath(unix) }), "connect", options, "connect");
  },
};
