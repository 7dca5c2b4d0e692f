import net from "node:net";
import type { Duplex } from "node:stream";
import { type Address, formatAddress } from "./address.js";
import { listenNetServer } from "./net-listener.js";
import type { ConnectOptions, PeerInfo, Transport } from "./types.js";

function tcpPeer(socket: net.Socket): PeerInfo {
  const host = socket.remoteAddress ?? "?";
  const label = host.includes(":") ? `[${host}]:${socket.remotePort ?? 0}` : `${host}:${socket.remotePort ?? 0}`;
  return { transport: "tcp", label };
}

function expectTcp(address: Address): { host: string; port: number } {
  if (address.scheme !== "tcp") throw new TypeError(`the TCP transport cannot serve ${formatAddress(address)}`);
  return address;
}

/** TCP with Nagle off: gRPC messages are small and latency-bound. */
export const tcpTransport: Transport = {
  scheme: "tcp",

  listen(address, onConnection) {
    const { host, port } = expectTcp(address);
    const server = net.createServer({ noDelay: true }, (socket) => {
      onConnection(socket, tcpPeer(socket));
    });
    return listenNetServer(server, "tcp", host, port);
  },

  connect(address, options: ConnectOptions = {}) {
    const { host, port } = expectTcp(address);
    return new Promise<Duplex>((resolve, reject) => {
      const socket = net.connect({ host, port, noDelay: true });
      let timer: NodeJS.Timeout | undefined;
      const fail = (error: Error) => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onAbort = () => fail(Object.assign(new Error("connect aborted"), { code: "ABORT_ERR" }));
      const cleanup = () => {
        if (timer) clearTimeout(timer);
        socket.off("error", fail);
        options.signal?.removeEventListener("abort", onAbort);
      };
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => fail(Object.assign(new Error(`connect timed out after ${options.timeoutMs} ms`), { code: "ETIMEDOUT" })), options.timeoutMs);
      }
      if (options.signal?.aborted) return onAbort();
      options.signal?.addEventListener("abort", onAbort, { once: true });
      socket.once("error", fail);
      socket.once("connect", () => {
        cleanup();
        resolve(socket);
      });
    });
  },
};
