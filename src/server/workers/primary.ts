/**
 * The primary process of a multi-worker server: forks the workers (node:cluster), gives each the start-up keyring
 * and what to listen on, replaces a worker that dies (with a growing delay in a crash loop) and, on SIGTERM or
 * SIGINT, drains every worker and resolves 0 once all have exited.
 *
 * TCP and TLS listeners are shared by node:cluster (the primary accepts and hands connections round-robin to
 * workers; a TLS handshake happens in the worker, with the certificate and key the start message carried); VSOCK
 * listeners are opened here and inherited by every worker as file descriptors (see vsock-listeners.ts), each
 * worker applying the CID allowlist. The primary serves no calls itself; with `metrics`, it serves /metrics as
 * the sum of its workers' counters (metrics-collector.ts).
 */
import cluster, { type Worker } from "node:cluster";
import { exportKeyTransfer, wipeKeyTransfer } from "../../crypto/keyring-transfer.js";
import type { Keyring } from "../../crypto/keyring.js";
import type { Logger } from "../../log/logger.js";
import { parseAddress } from "../../transport/address.js";
import type { TlsServerOptions } from "../../transport/tls.js";
import { type MetricsEndpoint, serveMetrics } from "../metrics-http.js";
import { type InheritedListener, type PrimaryMessage, type TlsMaterial, parseWorkerMessage } from "./messages.js";
import { DEFAULT_METRICS_TIMEOUT_MS, type ScrapeTarget, WorkerMetricsCollector } from "./metrics-collector.js";
import { DEFAULT_RESTART_POLICY, RestartPolicy, type RestartPolicyOptions } from "./restart-policy.js";
import { type OpenedVsockSocket, openVsockListeningSocket } from "./vsock-listeners.js";

/** File descriptor of the first inherited listening socket in a worker: after stdin, stdout, stderr and the IPC channel. */
const FIRST_INHERITED_FD = 4;
const DEFAULT_KILL_AFTER_MS = 5000;

export interface PrimaryOptions {
  /** Worker processes to run (>= 1). */
  workers: number;
  /** Listen URLs, as for a single-process server. */
  listen: readonly string[];
  /** Generated once, here; every worker signs with these keys. */
  keyring: Keyring;
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

interface Slot {
  readonly worker: Worker;
  readonly pid: number;
  /** 1..workers: the `process` label "worker-N" of its metrics; a replacement takes the index of the one it replaces. */
  readonly index: number;
  readonly startedAt: number;
  listening: boolean;
}

function send(slot: Slot, message: PrimaryMessage, done?: (error: Error | null) => void): void {
  if (!slot.worker.isConnected()) return done?.(new Error("worker IPC channel is closed"));
  try {
    slot.worker.send(message, done);
  } catch (error) {
    done?.(error instanceof Error ? error : new Error(String(error)));
  }
}

/** How one metrics scrape asks one worker. */
function scrapeTarget(slot: Slot): ScrapeTarget {
  return {
    id: slot.worker.id,
    label: `worker-${slot.index}`,
    pid: slot.pid,
    ask: (requestId, failed) => send(slot, { fastgrpc: "metrics-request", id: requestId }, (error) => {
      if (error) failed();
    }),
  };
}

/** Runs the primary until shutdown; resolves the process exit code (1 if start-up failed or a worker had to be killed). */
export async function runPrimary(options: PrimaryOptions): Promise<number> {
  const { log } = options;
  if (!cluster.isPrimary) throw new Error("runPrimary must run in the primary process");
  const workerCount = Math.max(1, Math.floor(options.workers));

  const tcpUrls: string[] = [];
  const vsockSockets: OpenedVsockSocket[] = [];
  try {
    for (const url of options.listen) {
      if (parseAddress(url, true).scheme === "vsock") vsockSockets.push(await openVsockListeningSocket(url));
      else tcpUrls.push(url);
    }
  } catch (error) {
    for (const socket of vsockSockets) socket.close();
    log.error({ err: error }, "cannot open listeners");
    throw error;
  }
  const inherited: InheritedListener[] = vsockSockets.map((socket, index) => ({ fd: FIRST_INHERITED_FD + index, url: socket.url }));
  // Only the PEM fields: anything else (a callback) could not cross the IPC channel.
  const tls: TlsMaterial | undefined = options.tls && {
    cert: options.tls.cert, key: options.tls.key, ...(options.tls.clientCa !== undefined ? { clientCa: options.tls.clientCa } : {}),
  };
  const slots = new Map<number, Slot>();
  const collector = options.metrics === undefined ? undefined : new WorkerMetricsCollector(
    () => [...slots.values()].filter((slot) => slot.listening).map((slot) => scrapeTarget(slot)),
    options.metrics.timeoutMs ?? DEFAULT_METRICS_TIMEOUT_MS,
  );
  let metricsEndpoint: MetricsEndpoint | undefined;
  if (collector !== undefined && options.metrics !== undefined) {
    try {
      metricsEndpoint = await serveMetrics(options.metrics.listen, collector);
    } catch (error) {
      for (const socket of vsockSockets) socket.close();
      throw new Error(`cannot serve metrics on ${options.metrics.listen}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
    log.info({ url: metricsEndpoint.url }, "metrics");
    options.metrics.onListening?.(metricsEndpoint.url);
  }
  cluster.setupPrimary({
    // Key bytes travel as Uint8Arrays (no JSON strings that could not be wiped).
    serialization: "advanced",
    stdio: ["inherit", "inherit", "inherit", "ipc", ...vsockSockets.map((socket) => socket.fd)],
  });

  return new Promise<number>((resolve) => {
    const policy = new RestartPolicy({ ...DEFAULT_RESTART_POLICY, ...options.restart });
    const restartTimers = new Set<NodeJS.Timeout>();
    let phase: "starting" | "running" | "stopping" = "starting";
    let exitCode = 0;
    let killTimer: NodeJS.Timeout | undefined;
    /** The TCP URLs as the first worker bound them (port 0 resolved). */
    let boundTcpUrls: readonly string[] | undefined;

    // While a worker holds the cluster's shared handle, new workers must ask for the same URLs (the handle is keyed
    // by them); when none does, the resolved ports keep the service where clients know it.
    const tcpUrlsForNewWorker = (): readonly string[] =>
      [...slots.values()].some((slot) => slot.listening) || boundTcpUrls === undefined ? tcpUrls : boundTcpUrls;

    const fork = (index: number): void => {
      const worker = cluster.fork(options.workerEnv);
      const slot: Slot = { worker, pid: worker.process.pid ?? 0, index, startedAt: Date.now(), listening: false };
      slots.set(worker.id, slot);
      worker.on("message", (raw: unknown) => onMessage(slot, raw));
      // EPIPE when a message races a worker that is exiting: its exit is what matters, and is handled below.
      worker.on("error", (error: Error) => log.debug({ err: error, workerPid: slot.pid }, "worker IPC error"));
      worker.on("exit", (code: number | null, signal: NodeJS.Signals | null) => onExit(slot, code, signal));
    };

    const onMessage = (slot: Slot, raw: unknown): void => {
      const message = parseWorkerMessage(raw);
      if (message === undefined) return;
      switch (message.fastgrpc) {
        case "ready": {
          if (phase === "stopping") return;
          const keys = exportKeyTransfer(options.keyring);
          // The bytes are serialised when the message is written; wipe our copy then (also on failure).
          const start: PrimaryMessage = {
            fastgrpc: "start", listen: tcpUrlsForNewWorker(), inherited, keys, metrics: collector !== undefined,
            ...(tls !== undefined ? { tls } : {}),
            ...(options.allowCids !== undefined ? { allowCids: options.allowCids } : {}),
          };
          send(slot, start, (error) => {
            wipeKeyTransfer(keys);
            if (error) log.warn({ err: error, workerPid: slot.pid }, "could not send the start message");
          });
          return;
        }
        case "listening": {
          slot.listening = true;
          boundTcpUrls ??= message.urls.slice(0, tcpUrls.length);
          if (phase === "starting") {
            log.debug({ workerPid: slot.pid, urls: message.urls }, "worker listening");
            if (slots.size === workerCount && [...slots.values()].every((each) => each.listening)) {
              phase = "running";
              log.info({ workers: workerCount, pids: [...slots.values()].map((each) => each.pid) }, "all workers listening");
              options.onListening?.(message.urls);
            }
          } else if (phase === "running") {
            log.info({ workerPid: slot.pid }, "replacement worker listening");
          }
          return;
        }
        case "metrics":
          // A late message from a worker already gone must not count twice (its counters are kept as "retired").
          if (slots.get(slot.worker.id) === slot) collector?.onReply(slot.worker.id, message);
          return;
        case "failed":
          if (phase === "stopping") return;
          if (phase === "running") {
            log.error({ workerPid: slot.pid, reason: message.reason }, "replacement worker could not start");
            return;
          }
          // One report of the first failure: through the caller (a CLI prints one line), else the log.
          if (options.onStartFailure) options.onStartFailure(message.reason);
          else log.error({ workerPid: slot.pid, reason: message.reason }, "worker could not start");
          stopAll(1, 0);
          return; // a replacement that fails exits and is handled as a crash, with the crash-loop delay
      }
    };

    const onExit = (slot: Slot, code: number | null, signal: NodeJS.Signals | null): void => {
      slots.delete(slot.worker.id);
      collector?.onWorkerExit(slot.worker.id);
      if (phase === "stopping") {
        log.debug({ workerPid: slot.pid, code, signal }, "worker exited");
        if (slots.size === 0) finish();
        return;
      }
      if (phase === "starting" && !slot.listening) {
        const reason = `worker ${slot.pid} exited during start-up (code ${code}, signal ${signal})`;
        if (options.onStartFailure) options.onStartFailure(reason);
        else log.error({ workerPid: slot.pid, code, signal }, reason);
        stopAll(1, 0);
        return;
      }
      const uptimeMs = Date.now() - slot.startedAt;
      const delayMs = policy.delayAfterCrash(uptimeMs);
      log.warn({ workerPid: slot.pid, code, signal, uptimeMs, restartInMs: delayMs, crashLoop: policy.crashLoopLength }, "worker exited unexpectedly: replacing it");
      if (delayMs === 0) {
        fork(slot.index);
        return;
      }
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (phase !== "stopping") fork(slot.index);
      }, delayMs);
      restartTimers.add(timer);
    };

    const stopAll = (code: number, graceMs: number): void => {
      if (code !== 0) exitCode = code;
      if (phase === "stopping") return;
      phase = "stopping";
      for (const timer of restartTimers) clearTimeout(timer);
      restartTimers.clear();
      for (const slot of slots.values()) send(slot, { fastgrpc: "shutdown", graceMs });
      killTimer = setTimeout(() => {
        for (const slot of slots.values()) {
          log.warn({ workerPid: slot.pid }, "worker did not exit in time: killing it");
          slot.worker.process.kill("SIGKILL");
        }
        exitCode = 1;
      }, graceMs + (options.killAfterMs ?? DEFAULT_KILL_AFTER_MS));
      if (slots.size === 0) finish();
    };

    const onSignal = (signal: NodeJS.Signals): void => {
      if (phase === "stopping") {
        log.warn({ signal }, "second signal: killing the workers now");
        exitCode = 1;
        for (const slot of slots.values()) slot.worker.process.kill("SIGKILL");
        return;
      }
      log.info({ signal, graceMs: options.graceMs, workers: slots.size }, "shutting down");
      stopAll(0, options.graceMs);
    };

    const finish = (): void => {
      clearTimeout(killTimer);
      process.off("SIGTERM", onSignal);
      process.off("SIGINT", onSignal);
      for (const socket of vsockSockets) socket.close();
      const closed = metricsEndpoint?.close() ?? Promise.resolve();
      closed.catch(() => undefined).finally(() => {
        log.info({ exitCode }, "stopped");
        resolve(exitCode);
      });
    };

    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    for (let index = 1; index <= workerCount; index++) fork(index);
  });
}
