/**
 * A worker process of a multi-worker server: asks the primary for its start message, builds its GrpcServer
 * through the caller's factory (given the caller's start payload), serves the connections the primary hands it and
 * accepts on the inherited VSOCK listeners (connection-hand-off.ts), under the same accept policy as a
 * single-process server, answers
 * the primary's metrics requests with a snapshot of its own counters, and drains on the primary's "shutdown", on
 * SIGTERM/SIGINT (the same signal-driven drain as a single-process server), or when the primary is gone.
 */
import cluster from "node:cluster";
import { Socket } from "node:net";
import type { Logger } from "../../log/logger.js";
import { AcceptPolicy } from "../accept-policy.js";
import { EMPTY_METRICS_SNAPSHOT, ServerMetrics, sampleProcess } from "../metrics.js";
import type { GrpcServer } from "../server.js";
import { SignalDrain } from "../signal-drain.js";
import { type StartMessage, type WorkerMessage, parsePrimaryMessage } from "./messages.js";
import { acceptHandedOver, acceptOnVsock, describeListenError } from "./connection-hand-off.js";

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

/** Runs the worker until it is told to stop; resolves the process exit code. */
export function runWorker(options: WorkerOptions): Promise<number> {
  const { log } = options;
  if (!cluster.isWorker || typeof process.send !== "function") return Promise.reject(new Error("runWorker must run in a cluster worker"));
  let server: GrpcServer | undefined;
  let metrics: ServerMetrics | undefined;
  /** What serves a handed-over connection, by the primary's listener number. */
  let handedOver: readonly ((socket: Socket) => void)[] = [];
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
    handedOver = await acceptHandedOver(created, policy, message.listen);
    const urls = [...message.listen, ...await acceptOnVsock(created, policy, message.inherited)];
    if (drain.draining) return;
    log.debug({ urls, engine: created.engineName }, "worker listening");
    tell({ fastgrpc: "listening", urls });
  };

  const startFailed = (error: unknown): void => {
    log.debug({ err: error }, "worker start-up failed"); // the primary reports it once, for all workers
    tell({ fastgrpc: "failed", reason: describeListenError(error) }, () => {
      const failed = server;
      if (failed === undefined) return drain.finish(1);
      failed.shutdown(0).then(() => drain.finish(1), () => drain.finish(1));
    });
  };

  process.on("message", (raw: unknown, handle: unknown) => {
    const message = parsePrimaryMessage(raw);
    if (message === undefined) {
      if (handle instanceof Socket) handle.destroy();
      return;
    }
    if (message.fastgrpc === "connection") {
      if (!(handle instanceof Socket)) return;
      const serve = handedOver[message.listener];
      if (serve === undefined) handle.destroy();
      else serve(handle);
      return;
    }
    if (message.fastgrpc === "shutdown") return drain.start("primary asked", message.graceMs);
    if (message.fastgrpc === "metrics-request") {
      return tell({ fastgrpc: "metrics", id: message.id, snapshot: metrics?.snapshot() ?? EMPTY_METRICS_SNAPSHOT, process: sampleProcess() });
    }
    start(message).catch(startFailed);
  });
  // Without a primary nobody would replace or stop this worker: drain and leave.
  process.on("disconnect", () => drain.start("primary gone"));
  tell({ fastgrpc: "ready" });
  return drain.exitCode;
}
