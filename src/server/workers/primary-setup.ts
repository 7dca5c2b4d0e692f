/**
 * What the primary opens before it forks: the VSOCK listening sockets it and its workers accept on (its other
 * listeners it opens with its own server: connection-hand-off.ts) and, with metrics, the /metrics endpoint summing
 * every process's counters.
 */
import type { Logger } from "../../log/logger.js";
import { parseAddress } from "../../transport/address.js";
import { type MetricsEndpoint, type MetricsSource, serveMetrics } from "../metrics-http.js";
import type { InheritedListener } from "./messages.js";
import { type OpenedVsockSocket, openVsockListeningSocket } from "./vsock-listeners.js";

/** File descriptor of the first inherited listening socket in a worker: after stdin, stdout, stderr and the IPC channel. */
const FIRST_INHERITED_FD = 4;

export interface PrimaryListeners {
  /** tcp://, tls:// and unix:// URLs: the primary listens and hands connections to its workers. */
  readonly handedUrls: readonly string[];
  readonly vsockSockets: readonly OpenedVsockSocket[];
  /** The VSOCK sockets as each worker sees them (their fds in the worker). */
  readonly inherited: readonly InheritedListener[];
  /** The VSOCK sockets as the primary sees them (their fds here), for its own server. */
  readonly ownVsock: readonly InheritedListener[];
  /**
   * The primary's server accepts on the VSOCK sockets from now on and closes them when it stops (the descriptors
   * stay open for the workers forked until then); close() leaves them to it.
   */
  handOverVsock(): void;
  close(): void;
}

export async function openPrimaryListeners(listen: readonly string[], log: Logger): Promise<PrimaryListeners> {
  const handedUrls: string[] = [];
  const vsockSockets: OpenedVsockSocket[] = [];
  let vsockOwnedHere = true;
  const close = () => {
    if (vsockOwnedHere) for (const socket of vsockSockets) socket.close();
    vsockOwnedHere = false;
  };
  try {
    for (const url of listen) {
      const scheme = parseAddress(url, true).scheme;
      if (scheme === "vsock") vsockSockets.push(await openVsockListeningSocket(url));
      else handedUrls.push(url);
    }
  } catch (error) {
    close();
    log.error({ err: error }, "cannot open listeners");
    throw error;
  }
  const inherited = vsockSockets.map((socket, index) => ({ fd: FIRST_INHERITED_FD + index, url: socket.url }));
  const ownVsock = vsockSockets.map((socket) => ({ fd: socket.fd, url: socket.url }));
  return { handedUrls, vsockSockets, inherited, ownVsock, handOverVsock: () => { vsockOwnedHere = false; }, close };
}

/** Serves the collector's sums at `listen`; a failure names the URL. */
export async function openPrimaryMetrics(listen: string, collector: MetricsSource, log: Logger, onListening?: (url: string) => void): Promise<MetricsEndpoint> {
  let endpoint: MetricsEndpoint;
  try {
    endpoint = await serveMetrics(listen, collector);
  } catch (error) {
    throw new Error(`cannot serve metrics on ${listen}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  log.info({ url: endpoint.url }, "metrics");
  onListening?.(endpoint.url);
  return endpoint;
}
