/**
 * The primary process of a multi-process server. It serves calls like each of its workers (its own GrpcServer,
 * built by the caller's `serve`), forks `workers - 1` workers (node:cluster), gives each the caller's start payload
 * (the CLI's keyring) and what to listen on, replaces a worker that dies (with a growing delay in a crash loop)
 * and, on SIGTERM or SIGINT, drains its own server and every worker and resolves 0 once all are done. Serving in
 * the primary saves a process: an idle primary that only supervised held ~58 MB of the default 2-core server's
 * 188 MB (docs/scaling.md, footprint).
 *
 * The primary listens on the TCP, TLS and unix URLs and hands each connection in turn to itself or a listening
 * worker (round-robin, over IPC); VSOCK listeners are opened here, accepted on here and inherited by every worker
 * as file descriptors (connection-hand-off.ts, vsock-listeners.ts). Each process applies the accept policy (TLS
 * handshakes, the CID allowlist) to the connections it serves. With `metrics`, the
 * primary serves /metrics as the sum of its own and its workers' counters (metrics-collector.ts).
 *
 * The primary is a small state machine: starting (its own listeners, then forking the first generation) -> running
 * (all listened) -> stopping (draining after a signal or a failed start) -> stopped (its server drained and every
 * worker exited, the exit code resolved).
 */
import cluster from "node:cluster";
import type { Logger } from "../../log/logger.js";
import type { TlsServerOptions } from "../../transport/tls.js";
import { AcceptPolicy, type AcceptPolicyConfig, tlsMaterial } from "../accept-policy.js";
import type { MetricsEndpoint } from "../metrics-http.js";
import { ServerMetrics } from "../metrics.js";
import type { GrpcServer } from "../server.js";
import { RoundRobinHandOff, acceptOnVsock, describeListenError, listenAndHandOff } from "./connection-hand-off.js";
import { DEFAULT_METRICS_TIMEOUT_MS, WorkerMetricsCollector } from "./metrics-collector.js";
import { type PrimaryListeners, openPrimaryListeners, openPrimaryMetrics } from "./primary-setup.js";
import { type Slot, WorkerSlots } from "./primary-workers.js";
import type { RestartPolicyOptions } from "./restart-policy.js";
import { NO_START_PAYLOAD, type StartPayload } from "./start-payload.js";

export interface PrimaryOptions {
  /** Serving processes in all (>= 1): the primary and `workers - 1` forked workers. */
  workers: number;
  /**
   * Builds the primary's own server (services added, not listening yet), as a worker's createServer does from the
   * start payload; `metrics` is set with `metrics` below, and the server must count into it.
   */
  serve(metrics?: ServerMetrics): GrpcServer;
  /** Listen URLs, as for a single-process server. */
  listen: readonly string[];
  /** Made once per worker start and sent with it (the CLI sends its keyring); opaque to this layer. */
  startPayload?: StartPayload;
  /** How long calls in flight may finish on SIGTERM/SIGINT. */
  graceMs: number;
  log: Logger;
  /** Called once, when every worker of the first generation listens, with the bound URLs (ports resolved). */
  onListening?(urls: readonly string[]): void;
  /** Called once if start-up fails (a process could not listen, or a worker died before it did), with why. */
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

/** The primary's own server, listening. */
interface OwnServer {
  readonly server: GrpcServer;
  /** Its bound URLs: tcp://, tls:// and unix:// (port 0 resolved), then vsock://. */
  readonly urls: readonly string[];
}

/** Runs the primary until shutdown; resolves the process exit code (1 if start-up failed or a worker had to be killed). */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  if (!cluster.isPrimary) throw new Error("runPrimary must run in the primary process");
  const workerCount = Math.max(0, Math.floor(options.workers) - 1);
  const listeners = await openPrimaryListeners(options.listen, options.log);
  const ownMetrics = options.metrics !== undefined ? new ServerMetrics() : undefined;
  const accept = acceptConfig(options);
  let own: OwnServer;
  let workers: WorkerSlots | undefined;
  const handOff = new RoundRobinHandOff(() => workers?.handOffTargets() ?? []);
  const server = options.serve(ownMetrics);
  try {
    const policy = new AcceptPolicy(accept, options.log, ownMetrics);
    const bound = await listenAndHandOff(server, policy, listeners.handedUrls, handOff);
    // From here the server owns each VSOCK descriptor it accepts on, and closes it when it stops.
    listeners.handOverVsock();
    own = { server, urls: [...bound, ...await acceptOnVsock(server, policy, listeners.ownVsock)] };
  } catch (error) {
    listeners.close();
    await server.shutdown(0);
    const reason = describeListenError(error);
    if (options.onStartFailure) options.onStartFailure(reason);
    else options.log.error({ err: error }, "cannot listen");
    return 1;
  }
  let collector: WorkerMetricsCollector | undefined;
  let metricsEndpoint: MetricsEndpoint | undefined;
  // Each worker serves what the primary hands over, under the URLs as the primary bound them (port 0 resolved).
  const slots = new WorkerSlots(options, listeners, own.urls.slice(0, listeners.handedUrls.length), () => collector);
  workers = slots;
  if (options.metrics !== undefined) {
    const counted = ownMetrics;
    const ownSnapshot = counted !== undefined ? () => counted.snapshot() : undefined;
    collector = new WorkerMetricsCollector(() => slots.scrapeTargets(), options.metrics.timeoutMs ?? DEFAULT_METRICS_TIMEOUT_MS, ownSnapshot);
    try {
      metricsEndpoint = await openPrimaryMetrics(options.metrics.listen, collector, options.log, options.metrics.onListening);
    } catch (error) {
      await server.shutdown(0);
      throw error;
    }
  }
  cluster.setupPrimary({
    // Secrets in the start payload travel as Uint8Arrays (no JSON strings that could not be wiped).
    serialization: "advanced",
    stdio: ["inherit", "inherit", "inherit", "ipc", ...listeners.vsockSockets.map((socket) => socket.fd)],
  });
  return new Primary(options, workerCount, accept, own, slots, metricsEndpoint).run();
}

function acceptConfig({ tls, allowCids }: PrimaryOptions): AcceptPolicyConfig {
  return { ...(tls !== undefined ? { tls: tlsMaterial(tls) } : {}), ...(allowCids !== undefined ? { allowCids } : {}) };
}

class Primary {
  private phase: Phase = { name: "starting" };
  private exitCode = 0;
  private resolveExit: (code: number) => void = () => {};
  /** Set once the primary's own server has drained (or will not be waited for). */
  private ownDrained = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => this.signalled(signal);

  constructor(
    private readonly options: PrimaryOptions,
    private readonly workerCount: number,
    private readonly accept: AcceptPolicyConfig,
    private readonly own: OwnServer,
    private readonly workers: WorkerSlots,
    private readonly metricsEndpoint: MetricsEndpoint | undefined,
  ) {}

  run(): Promise<number> {
    const exit = new Promise<number>((resolve) => { this.resolveExit = resolve; });
    this.workers.on({
      ready: (slot) => {
        if (this.phase.name === "stopping" || this.phase.name === "stopped") return;
        this.workers.sendStart(slot, { payload: this.options.startPayload ?? NO_START_PAYLOAD, accept: this.accept });
      },
      listening: (slot) => this.workerListening(slot.pid),
      failed: (slot, reason) => this.workerFailed(slot.pid, reason),
      exited: (slot, code, signal) => this.workerExited(slot, code, signal),
    });
    process.on("SIGTERM", this.onSignal);
    process.on("SIGINT", this.onSignal);
    for (let index = 1; index <= this.workerCount; index++) this.workers.fork(index);
    this.allListening();
    return exit;
  }

  /* ------------------------------------------------------------------ starting -> running */

  private workerListening(pid: number): void {
    const { log } = this.options;
    if (this.phase.name === "starting") {
      log.debug({ workerPid: pid }, "worker listening");
      this.allListening();
    } else if (this.phase.name === "running") {
      log.info({ workerPid: pid }, "replacement worker listening");
    }
  }

  private allListening(): void {
    if (this.phase.name !== "starting" || this.workers.size !== this.workerCount || !this.workers.allListening()) return;
    this.phase = { name: "running" };
    const pids = [process.pid, ...this.workers.pids()];
    this.options.log.info({ workers: pids.length, pids }, "all workers listening");
    this.options.onListening?.(this.own.urls);
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
        this.finishIfDone();
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
      // The primary's own calls end with the process.
      this.ownDrained = true;
      this.workers.killAll();
      this.finishIfDone();
      return;
    }
    log.info({ signal, graceMs: this.options.graceMs, workers: this.workers.size + 1 }, "shutting down");
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
    this.own.server.shutdown(graceMs).catch((error: unknown) => {
      this.options.log.error({ err: error }, "shutdown failed");
      this.exitCode = 1;
    }).finally(() => {
      this.ownDrained = true;
      this.finishIfDone();
    });
  }

  private finishIfDone(): void {
    if (this.phase.name !== "stopping" || this.workers.size > 0 || !this.ownDrained) return;
    clearTimeout(this.phase.killTimer);
    this.phase = { name: "stopped" };
    process.off("SIGTERM", this.onSignal);
    process.off("SIGINT", this.onSignal);
    const closed = this.metricsEndpoint?.close() ?? Promise.resolve();
    closed.catch(() => undefined).finally(() => {
      this.options.log.info({ exitCode: this.exitCode }, "stopped");
      this.resolveExit(this.exitCode);
    });
  }
}
