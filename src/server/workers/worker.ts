/**
 * A worker process of a multi-worker server: asks the primary for its start message, builds its GrpcServer
 * through the caller's factory (given the caller's start payload), listens (TCP and TLS through node:cluster's
 * shared handles, VSOCK on inherited descriptors) under the same accept policy as a single-process server, answers
 * the primary's metrics requests with a snapshot of its own counters, and drains on the primary's "shutdown", on
 * SIGTERM/SIGINT (the same signal-driven drain as a single-process server), or when the primary is gone.
 */
import cluster from "node:cluster";
import { getSystemErrorMessage } from "node:util";
import type { Logger } from "../../log/logger.js";
import { AcceptPolicy } from "../accept-policy.js";
import { type MetricsSnapshot, ServerMetrics, sampleProcess } from "../metrics.js";
import type { GrpcServer } from "../server.js";
import { SignalDrain } from "../signal-drain.js";
import { type StartMessage, type WorkerMessage, parsePrimaryMessage } from "./messages.js";
import { acceptOnInheritedVsock } from "./vsock-listeners.js";

export interface WorkerOptions {
  log: Logger;
  /** Grace period when the worker itself gets SIGTERM/SIGINT or loses its primary. */
  graceMs: number;
  /**
   * Builds this worker's server (services added, not listening yet) from the primary's start payload (see
   * PrimaryOptions.startPayload; may throw if it is unusable: start-up then fails); `metrics` is set when the
   * primary serves /metrics, and the server must count into it (GrpcServer's `metrics` option).
   */
  createServer(payload: unknown, metrics?: ServerMetrics): GrpcServer;
}

const NO_METRICS: MetricsSnapshot = Object.freeze({ methods: [], connections: [], counters: [] });

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
  let server: GrpcServer | undefined;
  let metrics: ServerMetrics | undefined;
  const drain = new SignalDrain({
    log,
    graceMs: options.graceMs,
    message: "worker draining",
    drain: (graceMs) => server?.shutdown(graceMs) ?? Promise.resolve(),
  });

  const tell = (message: WorkerMessage, done?: () => void): void => {
    if (!process.connected || process.send === undefined) return done?.();
    process.send(message, undefined, {}, () => done?.());
  };

  const start = async (message: StartMessage): Promise<void> => {
    if (server !== undefined || drain.draining) return;
    const counted = message.metrics ? new ServerMetrics() : undefined;
    const created = options.createServer(message.payload, counted);
    server = created;
    metrics = counted;
    const policy = new AcceptPolicy(message, log, counted);
    const urls: string[] = [];
    for (const url of message.listen) {
      try {
        urls.push((await created.listen(url, policy.listenOptions(url))).url);
      } catch (error) {
        throw new Error(`cannot listen on ${url}: ${describe(error)}`, { cause: error });
      }
    }
    const gate = policy.cidGate();
    for (const { fd, url } of message.inherited) {
      urls.push((await created.adoptListener((onConnection) => acceptOnInheritedVsock(fd, url, onConnection, gate))).url);
    }
    if (drain.draining) return;
    log.debug({ urls, engine: created.engineName }, "worker listening");
    tell({ fastgrpc: "listening", urls });
  };

  const startFailed = (error: unknown): void => {
    log.debug({ err: error }, "worker start-up failed"); // the primary reports it once, for all workers
    tell({ fastgrpc: "failed", reason: describe(error) }, () => {
      const failed = server;
      if (failed === undefined) return drain.finish(1);
      failed.shutdown(0).then(() => drain.finish(1), () => drain.finish(1));
    });
  };

  process.on("message", (raw: unknown) => {
    const message = parsePrimaryMessage(raw);
    if (message === undefined) return;
    if (message.fastgrpc === "shutdown") return drain.start("primary asked", message.graceMs);
    if (message.fastgrpc === "metrics-request") {
      return tell({ fastgrpc: "metrics", id: message.id, snapshot: metrics?.snapshot() ?? NO_METRICS, process: sampleProcess() });
    }
    start(message).catch(startFailed);
  });
  // Without a primary nobody would replace or stop this worker: drain and leave.
  process.on("disconnect", () => drain.start("primary gone"));
  tell({ fastgrpc: "ready" });
  return drain.exitCode;
}
