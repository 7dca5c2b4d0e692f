/**
 * What the primary opens before it forks: the VSOCK listening sockets its workers inherit (TCP and TLS URLs are
 * shared by node:cluster instead) and, with metrics, the /metrics endpoint summing its workers' counters.
 */
import type { Logger } from "../../log/logger.js";
import { parseAddress } from "../../transport/address.js";
import { type MetricsEndpoint, serveMetrics } from "../metrics-http.js";
import type { InheritedListener } from "./messages.js";
import type { WorkerMetricsCollector } from "./metrics-collector.js";
import { type OpenedVsockSocket, openVsockListeningSocket } from "./vsock-listeners.js";

/** File descriptor of the first inherited listening socket in a worker: after stdin, stdout, stderr and the IPC channel. */
const FIRST_INHERITED_FD = 4;

export interface PrimaryListeners {
  /** TCP and TLS URLs, listened on by the workers through node:cluster's shared handles. */
  readonly tcpUrls: readonly string[];
  readonly vsockSockets: readonly OpenedVsockSocket[];
  /** The VSOCK sockets as each worker sees them (their fds in the worker). */
  readonly inherited: readonly InheritedListener[];
  close(): void;
}

export async function openPrimaryListeners(listen: readonly string[], log: Logger): Promise<PrimaryListeners> {
  const tcpUrls: string[] = [];
  const vsockSockets: OpenedVsockSocket[] = [];
  const close = () => {
    for (const socket of vsockSockets) socket.close();
  };
  try {
    for (const url of listen) {
      const scheme = parseAddress(url, true).scheme;
      if (scheme === "vsock") vsockSockets.push(await openVsockListeningSocket(url));
      else tcpUrls.push(url);
      // The primary binds unix sockets for its workers: a stale file must go before they listen (a live one is an error).
      if (scheme === "unix") await (await import("../../transport/unix.js")).removeStaleSocketOf(url);
    }
  } catch (error) {
    close();
    log.error({ err: error }, "cannot open listeners");
    throw error;
  }
  const inherited = vsockSockets.map((socket, index) => ({ fd: FIRST_INHERITED_FD + index, url: socket.url }));
  return { tcpUrls, vsockSockets, inherited, close };
}

/** Serves the collector's sums at `listen`; a failure names the URL. */
export async function openPrimaryMetrics(listen: string, collector: WorkerMetricsCollector, log: Logger, onListening?: (url: string) => void): Promise<MetricsEndpoint> {
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
