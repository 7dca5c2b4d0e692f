/**
 * The primary process of a multi-worker server: forks the workers (node:cluster), gives each the caller's start
 * payload (the CLI's keyring) and what to listen on, replaces a worker that dies (with a growing delay in a crash
 * loop) and, on SIGTERM or SIGINT, drains every worker and resolves 0 once all have exited.
 *
 * TCP and TLS listeners are shared by node:cluster (the primary accepts and hands connections round-robin to
 * workers; a TLS handshake happens in the worker, with the certificate and key the start message carried); VSOCK
 * listeners are opened here and inherited by every worker as file descriptors (see vsock-listeners.ts), each
 * worker applying the accept policy. The primary serves no calls itself; with `metrics`, it serves /metrics as
 * the sum of its workers' counters (metrics-collector.ts).
 *
 * The primary is a small state machine: starting (forking the first generation) -> running (all listened) ->
 * stopping (draining after a signal or a failed start) -> stopped (every worker exited, the exit code resolved).
 */
import cluster from "node:cluster";
import type { Logger } from "../../log/logger.js";
import type { TlsServerOptions } from "../../transport/tls.js";
import { type AcceptPolicyConfig, tlsMaterial } from "../accept-policy.js";
import type { MetricsEndpoint } from "../metrics-http.js";
import { DEFAULT_METRICS_TIMEOUT_MS, WorkerMetricsCollector } from "./metrics-collector.js";
import { type PrimaryListeners, openPrimaryListeners, openPrimaryMetrics } from "./primary-setup.js";
import { type Slot, WorkerSlots } from "./primary-workers.js";
import type { RestartPolicyOptions } from "./restart-policy.js";
import { NO_START_PAYLOAD, type StartPayload } from "./start-payload.js";

export interface PrimaryOptions {
  /** Worker processes to run (>= 1). */
  workers: number;
  /** Listen URLs, as for a single-process server. */
  listen: readonly string[];
  /** Made once per worker start and sent with it (the CLI sends its keyring); opaque to this layer. */
  startPayload?: StartPayload;
  /** How long calls in flight may finish on SIGTERM/SIGINT. */
  graceMs: number;
  log: Logger;
  /** Called once, when every worker of the first generation listens, with the bound URLs (ports resolved). */
  onListening?(urls: readonly string[]): void;
  /** Called once if start-up fails (a worker could not listen, or died before it did), with why. */
  onStartFailure?(reason: string): void;
  restart?: Partial<RestartPolicyOptions>;
  /** A worker still running this long after graceMs is killed (SIGKILL) and the primary resolves 1 (default 5000). */
  killAfterMs?: number;
  /** Certificate, key and optional client CA for the tls:// URLs of `listen`: sent to each worker, never logged. */
  tls?: Pick<TlsServerOptions, "cert" | "key" | "clientCa">;
  /** CID allowlist for the vsock:// URLs of `listen`, applied by each worker to the connections it accepts. */
  allowCids?: readonly number[];
  /** Serve the sum of the workers' metrics at `listen`/metrics (tcp://HOST:PORT), from the primary. */
  metrics?: PrimaryMetricsOptions;
  /** Extra environment for every worker process (the CLI sizes each worker's libuv pool with it). */
  workerEnv?: Readonly<Record<string, string>>;
}

export interface PrimaryMetricsOptions {
  listen: string;
  /** How long a scrape waits for each worker's answer (default 1000 ms). */
  timeoutMs?: number;
  /** Called once the endpoint listens (before the workers start), with its URL (port 0 resolved). */
  onListening?(url: string): void;
}

const DEFAULT_KILL_AFTER_MS = 5000;

type Phase =
  | { readonly name: "starting" }
  | { readonly name: "running" }
  | { readonly name: "stopping"; readonly killTimer: NodeJS.Timeout }
  | { readonly name: "stopped" };

/** Runs the primary until shutdown; resolves the process exit code (1 if start-up failed or a worker had to be killed). */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  if (!cluster.isPrimary) throw new Error("runPrimary must run in the primary process");
  const listeners = await openPrimaryListeners(options.listen, options.log);
  let collector: WorkerMetricsCollector | undefined;
  let metricsEndpoint: MetricsEndpoint | undefined;
  const workers = new WorkerSlots(options, listeners, () => collector);
  if (options.metrics !== undefined) {
    collector = new WorkerMetricsCollector(() => workers.scrapeTargets(), options.metrics.timeoutMs ?? DEFAULT_METRICS_TIMEOUT_MS);
    try {
      metricsEndpoint = await openPrimaryMetrics(options.metrics.listen, collector, options.log, options.metrics.onListening);
    } catch (error) {
      listeners.close();
      throw error;
    }
  }
  cluster.setupPrimary({
    // Secrets in the start payload travel as Uint8Arrays (no JSON strings that could not be wiped).
    serialization: "advanced",
    stdio: ["inherit", "inherit", "inherit", "ipc", ...listeners.vsockSockets.map((socket) => socket.fd)],
  });
  return new Primary(options, listeners, workers, metricsEndpoint).run();
}

class Primary {
  private phase: Phase = { name: "starting" };
  private exitCode = 0;
  private resolveExit: (code: number) => void = () => {};
  private readonly workerCount: number;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.signalled(signal);

  constructor(
    private readonly options: PrimaryOptions,
    private readonly listeners: PrimaryListeners,
    private readonly workers: WorkerSlots,
    private readonly metricsEndpoint: MetricsEndpoint | undefined,
  ) {
    this.workerCount = Math.max(1, Math.floor(options.workers));
  }

  run(): Promise<number> {
    const exit = new Promise<number>((resolve) => { this.resolveExit = resolve; });
    this.workers.on({
      ready: (slot) => {
        if (this.phase.name === "stopping" || this.phase.name === "stopped") return;
        this.workers.sendStart(slot, this.startConfig());
      },
      listening: (slot, urls) => this.workerListening(slot.pid, urls),
      failed: (slot, reason) => this.workerFailed(slot.pid, reason),
      exited: (slot, code, signal) => this.workerExited(slot, code, signal),
    });
    process.on("SIGTERM", this.onSignal);
    process.on("SIGINT", this.onSignal);
    for (let index = 1; index <= this.workerCount; index++) this.workers.fork(index);
    return exit;
  }

  private startConfig(): { payload: StartPayload; accept: AcceptPolicyConfig } {
    const { tls, allowCids } = this.options;
    return {
      payload: this.options.startPayload ?? NO_START_PAYLOAD,
      accept: { ...(tls !== undefined ? { tls: tlsMaterial(tls) } : {}), ...(allowCids !== undefined ? { allowCids } : {}) },
    };
  }

  /* ------------------------------------------------------------------ starting -> running */

  private workerListening(pid: number, urls: readonly string[]): void {
    const { log } = this.options;
    if (this.phase.name === "starting") {
      log.debug({ workerPid: pid, urls }, "worker listening");
      if (this.workers.size === this.workerCount && this.workers.allListening()) {
        this.phase = { name: "running" };
        log.info({ workers: this.workerCount, pids: this.workers.pids() }, "all workers listening");
        this.options.onListening?.(urls);
      }
    } else if (this.phase.name === "running") {
      log.info({ workerPid: pid }, "replacement worker listening");
    }
  }

  private workerFailed(pid: number, reason: string): void {
    if (this.phase.name === "running") {
      // a replacement that fails exits and is handled as a crash, with the crash-loop delay
      this.options.log.error({ workerPid: pid, reason }, "replacement worker could not start");
    } else if (this.phase.name === "starting") {
      this.startFailed(reason, { workerPid: pid, reason }, "worker could not start");
    }
  }

  /** One report of the first failure: through the caller (a CLI prints one line), else the log. */
  private startFailed(reason: string, fields: Record<string, unknown>, logMessage: string): void {
    if (this.options.onStartFailure) this.options.onStartFailure(reason);
    else this.options.log.error(fields, logMessage);
    // The failure is already reported once: workers still starting (slow on a loaded machine) are killed quietly.
    this.stop(1, 0, false);
  }

  /* ------------------------------------------------------------------ a worker exits */

  private workerExited(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    const { log } = this.options;
    switch (this.phase.name) {
      case "stopping":
        log.debug({ workerPid: slot.pid, code, signal }, "worker exited");
        if (this.workers.size === 0) this.finish();
        return;
      case "stopped":
        return;
      case "starting":
        if (!slot.listening) {
          const reason = `worker ${slot.pid} exited during start-up (code ${code}, signal ${signal})`;
          this.startFailed(reason, { workerPid: slot.pid, code, signal }, reason);
          return;
        }
        break;
      case "running":
        break;
    }
    this.workers.replace(slot, code, signal);
  }

  /* ------------------------------------------------------------------ -> stopping -> stopped */

  private signalled(signal: NodeJS.Signals): void {
    const { log } = this.options;
    if (this.phase.name === "stopping" || this.phase.name === "stopped") {
      log.warn({ signal }, "second signal: killing the workers now");
      this.exitCode = 1;
      this.workers.killAll();
      return;
    }
    log.info({ signal, graceMs: this.options.graceMs, workers: this.workers.size }, "shutting down");
    this.stop(0, this.options.graceMs);
  }

  private stop(code: number, graceMs: number, warnOnKill = true): void {
    if (code !== 0) this.exitCode = code;
    if (this.phase.name === "stopping" || this.phase.name === "stopped") return;
    this.workers.cancelRestarts();
    this.workers.shutdownAll(graceMs);
    const killTimer = setTimeout(() => {
      if (this.workers.size === 0) return;
      this.workers.killAll(warnOnKill ? "worker did not exit in time: killing it" : undefined);
      this.exitCode = 1;
    }, graceMs + (this.options.killAfterMs ?? DEFAULT_KILL_AFTER_MS));
    this.phase = { name: "stopping", killTimer };
    if (this.workers.size === 0) this.finish();
  }

  private finish(): void {
    if (this.phase.name === "stopping") clearTimeout(this.phase.killTimer);
    this.phase = { name: "stopped" };
    process.off("SIGTERM", this.onSignal);
    process.off("SIGINT", this.onSignal);
    this.listeners.close();
    const closed = this.metricsEndpoint?.close() ?? Promise.resolve();
    closed.catch(() => undefined).finally(() => {
      this.options.log.info({ exitCode: this.exitCode }, "stopped");
      this.resolveExit(this.exitCode);
    });
  }
}
