import type net from "node:net";
import { type Address, formatAddress } from "./address.js";
import type { Listener, ListenSocketOptions } from "./types.js";

/**
 * Starts a net.Server (or tls.Server) on host:port and describes it as a Listener: shared by the TCP and TLS
 * transports so that both report the bound port, swallow later accept errors and close the same way.
 */
export function listenNetServer(server: net.Server, scheme: "tcp" | "tls", host: string, port: number, options: ListenSocketOptions = {}): Promise<Listener> {
  // `exclusive` with it: in a node:cluster worker, listen() would otherwise ask the primary for a shared handle.
  const reuse = options.reusePort === true ? { reusePort: true, exclusive: true } : {};
  return new Promise<Listener>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host, port, backlog: 511, ...reuse }, () => {
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
