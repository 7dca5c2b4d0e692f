import type net from "node:net";
import { type Address, formatAddress } from "./address.js";
import type { HandedOverListener, Listener } from "./types.js";

/**
 * A listener's connection callback when it may give connections away (ListenSocketOptions.handOff): those are left
 * alone; the others are served and, accepted paused so that nothing was read before the choice, start reading.
 */
export function handOffOr(handOff: ((socket: net.Socket) => boolean) | undefined, serve: (socket: net.Socket) => void): (socket: net.Socket) => void {
  if (handOff === undefined) return serve;
  return (socket) => {
    if (handOff(socket)) return;
    serve(socket);
    socket.resume();
  };
}

/** A HandedOverListener at `address` that serves each connection with `serve`. */
export function handedOverListener(address: Address, serve: (socket: net.Socket) => void): HandedOverListener {
  let open = true;
  return {
    url: formatAddress(address),
    address,
    accept(socket) {
      if (!open) {
        socket.destroy();
        return;
      }
      serve(socket);
      socket.resume();
    },
    close() {
      open = false;
      return Promise.resolve();
    },
  };
}

/**
 * Starts a net.Server (or tls.Server) on host:port and describes it as a Listener: shared by the TCP and TLS
 * transports so that both report the bound port, swallow later accept errors and close the same way.
 */
export function listenNetServer(server: net.Server, scheme: "tcp" | "tls", host: string, port: number): Promise<Listener> {
  return new Promise<Listener>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, backlog: 511 }, () => {
      server.off("error", reject);
      // A listening server's later errors (e.g. EMFILE on accept) must never crash the process.
      server.on("error", () => undefined);
      const bound = server.address();
      const actual: Address = { scheme, host, port: typeof bound === "object" && bound ? bound.port : port };
      resolve({
        url: formatAddress(actual),
        address: actual,
        // net.Server's close callback waits for every connection to end; stopping the accept is what we promise.
        close: () => {
          server.close();
          return Promise.resolve();
        },
      });
    });
  });
}
