/**
 * A worker process of a multi-worker server: asks the primary for its start message, rebuilds the shared keyring,
 * builds its GrpcServer through the caller's factory, listens (TCP and TLS through node:cluster's shared handles,
 * VSOCK on inherited descriptors, with the CID allowlist), answers the primary's metrics requests with a snapshot
 * of its own counters, and drains on the primary's "shutdown", on SIGTERM/SIGINT, or when the primary is gone.
 */
import cluster from "node:cluster";
import { getSystemErrorMessage } from "node:util";
import { keyringFromTransfer } from "../../crypto/keyring-transfer.js";
import type { Keyring } from "../../crypto/keyring.js";
import type { Logger } from "../../log/logger.js";
import { parseAddress } from "../../transport/address.js";
import type { PeerInfo } from "../../transport/types.js";
import { cidFilter } from "../cid-allowlist.js";
import { type MetricsSnapshot, ServerMetrics, sampleProcess } from "../metrics.js";
import type { GrpcServer, ListenOptions } from "../server.js";
import { type StartMessage, type TlsMaterial, type WorkerMessage, parsePrimaryMessage } from "./messages.js";
import { type CidGate, acceptOnInheritedVsock } from "./vsock-listeners.js";

export interface WorkerOptions {
  log: Logger;
  /** Grace period when the worker itself gets SIGTERM/SIGINT or loses its primary. */
  graceMs: number;
  /**
   * Builds this worker's server (services added, not listening yet) around the shared keyring; `metrics` is set
   * when the primary serves /metrics, and the server must count into it (GrpcServer's `metrics` option).
   */
  createServer(keyring: Keyring, metrics?: ServerMetrics): GrpcServer;
}

const NO_METRICS: MetricsSnapshot = Object.freeze({ methods: [], connections: [], counters: [] });

function pemBuffer(pem: string | Uint8Array): string | Buffer {
  return typeof pem === "string" ? pem : Buffer.from(pem.buffer, pem.byteOffset, pem.byteLength);
}

/** What a tls:// listener needs; handshake failures (a client without a valid certificate...) are logged at warn. */
function tlsListenOptions(tls: TlsMaterial | undefined, log: Logger): ListenOptions {
  if (tls === undefined) return {}; // GrpcServer.listen then refuses the tls:// URL with a clear error
  return {
    tls: {
      cert: pemBuffer(tls.cert),
      key: pemBuffer(tls.key),
      ...(tls.clientCa !== undefined ? { clientCa: pemBuffer(tls.clientCa) } : {}),
      onHandshakeError: (error: Error, remote: string) => log.warn({ err: error, remote }, "TLS handshake refused"),
    },
  };
}

/** The allowlist gate of the inherited VSOCK listeners: refusals logged at warn and counted, as GrpcServer does. */
function cidGate(cids: readonly number[] | undefined, log: Logger, metrics: ServerMetrics | undefined): CidGate | undefined {
  if (cids === undefined) return undefined;
  const filter = cidFilter(cids);
  return {
    filter,
    onRefused: (peer: PeerInfo) => {
      metrics?.connectionRefused(peer.transport);
      log.warn({ peer: peer.label, allowed: filter.description }, "connection refused: CID not on the allowlist");
    },
  };
}

/** "bind EADDRINUSE 127.0.0.1:50051 (address already in use)": cluster's errors carry only the code. */
function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const errno = (error as NodeJS.ErrnoException).errno;
  if (typeof errno !== "number" || errno >= 0) return error.message;
  try {
    return `${error.message} (${getSystemErrorMessage(errno).toLowerCase()})`;
  } catch {
    return error.message;
  }
}

/** Runs the worker until it is told to stop; resolves the process exit code. */
export function runWorker(options: WorkerOptions): Promise<number> {
  const { log } = options;
  if (!cluster.isWorker || typeof process.send !== "function") return Promise.reject(new Error("runWorker must run in a cluster worker"));
  return new Promise<number>((resolve) => {
    let server: GrpcServer | undefined;
    let metrics: ServerMetrics | undefined;
    let stopping = false;

    const tell = (message: WorkerMessage, done?: () => void): void => {
      if (!process.connected || process.send === undefined) return done?.();
      process.send(message, undefined, {}, () => done?.());
    };

    const stop = (graceMs: number, why: string): void => {
      if (stopping) return;
      stopping = true;
      log.info({ why, graceMs }, "worker draining");
      const running = server;
      if (running === undefined) return resolve(0);
      running.shutdown(graceMs).then(
        () => resolve(0),
        (error: unknown) => {
          log.error({ err: error }, "worker shutdown failed");
          resolve(1);
        },
      );
    };

    const start = async (message: StartMessage): Promise<void> => {
      if (server !== undefined || stopping) return;
      const keyring = keyringFromTransfer(message.keys);
      const counted = message.metrics ? new ServerMetrics() : undefined;
      const created = options.createServer(keyring, counted);
      server = created;
      metrics = counted;
      const urls: string[] = [];
      for (const url of message.listen) {
        const listenOptions = parseAddress(url, true).scheme === "tls" ? tlsListenOptions(message.tls, log) : {};
        try {
          urls.push((await created.listen(url, listenOptions)).url);
        } catch (error) {
          throw new Error(`cannot listen on ${url}: ${describe(error)}`, { cause: error });
        }
      }
      const gate = cidGate(message.allowCids, log, counted);
      for (const { fd, url } of message.inherited) {
        urls.push((await created.adoptListener((onConnection) => acceptOnInheritedVsock(fd, url, onConnection, gate))).url);
      }
      if (stopping) return;
      log.debug({ urls, engine: created.engineName }, "worker listening");
      tell({ fastgrpc: "listening", urls });
    };

    process.on("message", (raw: unknown) => {
      const message = parsePrimaryMessage(raw);
      if (message === undefined) return;
      if (message.fastgrpc === "shutdown") return stop(message.graceMs, "primary asked");
      if (message.fastgrpc === "metrics-request") {
        return tell({ fastgrpc: "metrics", id: message.id, snapshot: metrics?.snapshot() ?? NO_METRICS, process: sampleProcess() });
      }
      start(message).catch((error: unknown) => {
        log.debug({ err: error }, "worker start-up failed"); // the primary reports it once, for all workers
        tell({ fastgrpc: "failed", reason: describe(error) }, () => {
          stopping = true;
          const failed = server;
          if (failed === undefined) return resolve(1);
          failed.shutdown(0).then(() => resolve(1), () => resolve(1));
        });
      });
    });
    // Without a primary nobody would replace or stop this worker: drain and leave.
    process.on("disconnect", () => stop(options.graceMs, "primary gone"));
    process.on("SIGTERM", () => stop(options.graceMs, "SIGTERM"));
    process.on("SIGINT", () => stop(options.graceMs, "SIGINT"));
    tell({ fastgrpc: "ready" });
  });
}
