import net from "node:net";
import { type Address, formatAddress } from "./address.js";
import { awaitConnect } from "./connect-guard.js";
import { handedOverListener, handOffOr, listenNetServer } from "./net-listener.js";
import type { ConnectOptions, PeerInfo, Transport } from "./types.js";

function tcpPeer(socket: net.Socket): PeerInfo {
  const host = socket.remoteAddress ?? "?";
  const label = host.includes(":") ? `[${host}]:${socket.remotePort ?? 0}` : `${host}:${socket.remotePort ?? 0}`;
  return { transport: "tcp", label, address: host, port: socket.remotePort ?? 0 };
}

function expectTcp(address: Address): { host: string; port: number } {
  if (address.scheme !== "tcp") throw new TypeError(`the TCP transport cannot serve ${formatAddress(address)}`);
  return address;
}

/** TCP with Nagle off: gRPC messages are small and latency-bound. */
export const tcpTransport: Transport = {
  scheme: "tcp",

  listen(address, onConnection, options = {}) {
    const { host, port } = expectTcp(address);
    const serve = (socket: net.Socket) => onConnection(socket, tcpPeer(socket));
    const server = net.createServer({ noDelay: true, pauseOnConnect: options.handOff !== undefined }, handOffOr(options.handOff, serve));
    return listenNetServer(server, "tcp", host, port);
  },

  adoptHandedOver(address, onConnection) {
    expectTcp(address);
    return handedOverListener(address, (socket) => {
      socket.setNoDelay(true);
      onConnection(socket, tcpPeer(socket));
    });
  },

  connect(address, options: ConnectOptions = {}) {
    const { host, port } = expectTcp(address);
    return awaitConnect(net.connect({ host, port, noDelay: true }), "connect", options, "connect");
  },
};
