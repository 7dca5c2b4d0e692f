/**
 * The primary's workers: forking, the IPC messages each one sends, their start messages, replacing one that died
 * (with the restart policy's delay), and stopping or killing them all. The primary's phases decide when.
 */
import cluster, { type Worker } from "node:cluster";
import type { Logger } from "../../log/logger.js";
import type { AcceptPolicyConfig } from "../accept-policy.js";
import { type PrimaryMessage, parseWorkerMessage } from "./messages.js";
import type { ScrapeTarget, WorkerMetricsCollector } from "./metrics-collector.js";
import type { HandOffTarget } from "./connection-hand-off.js";
import type { PrimaryListeners } from "./primary-setup.js";
import { DEFAULT_RESTART_POLICY, RestartPolicy, type RestartPolicyOptions } from "./restart-policy.js";
import type { StartPayload } from "./start-payload.js";

export interface Slot {
  readonly worker: Worker;
  readonly pid: number;
  /** 1..workers: the `process` label "worker-N" of its metrics; a replacement takes the index of the one it replaces. */
  readonly index: number;
  readonly startedAt: number;
  listening: boolean;
}

export interface WorkerEvents {
  /** The worker's message handler is in place: it waits for its start message. */
  ready(slot: Slot): void;
  listening(slot: Slot, urls: readonly string[]): void;
  failed(slot: Slot, reason: string): void;
  exited(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void;
}

interface WorkerSlotsOptions {
  log: Logger;
  restart?: Partial<RestartPolicyOptions>;
}

function send(slot: Slot, message: PrimaryMessage, done?: (error: Error | null) => void): void {
  if (!slot.worker.isConnected()) return done?.(new Error("worker IPC channel is closed"));
  try {
    slot.worker.send(message, done);
  } catch (error) {
    done?.(error instanceof Error ? error : new Error(String(error)));
  }
}

export class WorkerSlots {
  private readonly slots = new Map<number, Slot>();
  private readonly policy: RestartPolicy;
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private restarting = true;
  private events: WorkerEvents | undefined;

  constructor(
    private readonly options: WorkerSlotsOptions,
    private readonly listeners: PrimaryListeners,
    /** The primary's tcp://, tls:// and unix:// listeners, whose connections the workers are handed. */
    private readonly listenUrls: readonly string[],
    private readonly collector: () => WorkerMetricsCollector | undefined,
  ) {
    this.policy = new RestartPolicy({ ...DEFAULT_RESTART_POLICY, ...options.restart });
  }

  on(events: WorkerEvents): void {
    this.events = events;
  }

  get size(): number {
    return this.slots.size;
  }

  allListening(): boolean {
    return [...this.slots.values()].every((slot) => slot.listening);
  }

  pids(): number[] {
    return [...this.slots.values()].map((slot) => slot.pid);
  }

  /** The listening workers, to hand connections to (a worker still starting or being replaced gets none). */
  handOffTargets(): HandOffTarget[] {
    return [...this.slots.values()].filter((slot) => slot.listening && slot.worker.isConnected()).map((slot) => ({
      pid: slot.pid,
      send: (message, socket, done) => {
        // send() returns false also when it only queued the message behind others: sent either way, and a channel
        // that closed meanwhile reports through `done`. Only a throw means the worker never got it.
        try {
          slot.worker.send(message, socket, done);
          return true;
        } catch {
          return false;
        }
      },
    }));
  }

  /** How one metrics scrape asks each listening worker. */
  scrapeTargets(): ScrapeTarget[] {
    return [...this.slots.values()].filter((slot) => slot.listening).map((slot) => ({
      id: slot.worker.id,
      label: `worker-${slot.index}`,
      pid: slot.pid,
      ask: (requestId: number, failed: () => void) => send(slot, { fastgrpc: "metrics-request", id: requestId }, (error) => {
        if (error) failed();
      }),
    }));
  }

  fork(index: number): void {
    const worker = cluster.fork();
    const slot: Slot = { worker, pid: worker.process.pid ?? 0, index, startedAt: Date.now(), listening: false };
    this.slots.set(worker.id, slot);
    worker.on("message", (raw: unknown) => this.onMessage(slot, raw));
    // EPIPE when a message races a worker that is exiting: its exit is what matters, and is handled below.
    worker.on("error", (error: Error) => this.options.log.debug({ err: error, workerPid: slot.pid }, "worker IPC error"));
    worker.on("exit", (code: number | null, signal: NodeJS.Signals | null) => {
      this.slots.delete(worker.id);
      this.collector()?.onWorkerExit(worker.id);
      this.events?.exited(slot, code, signal);
    });
  }

  /** Sends the start message: where to listen, the accept policy, and a fresh payload (released once written). */
  sendStart(slot: Slot, config: { payload: StartPayload; accept: AcceptPolicyConfig }): void {
    const payload = config.payload.create();
    const start: PrimaryMessage = {
      fastgrpc: "start", listen: this.listenUrls, inherited: this.listeners.inherited, payload,
      metrics: this.collector() !== undefined, ...config.accept,
    };
    send(slot, start, (error) => {
      config.payload.sent?.(payload);
      if (error) this.options.log.warn({ err: error, workerPid: slot.pid }, "could not send the start message");
    });
  }

  /** Forks a replacement for a worker that died, at once or after the restart policy's crash-loop delay. */
  replace(slot: Slot, code: number | null, signal: NodeJS.Signals | null): void {
    const uptimeMs = Date.now() - slot.startedAt;
    const delayMs = this.policy.delayAfterCrash(uptimeMs);
    this.options.log.warn(
      { workerPid: slot.pid, code, signal, uptimeMs, restartInMs: delayMs, crashLoop: this.policy.crashLoopLength },
      "worker exited unexpectedly: replacing it",
    );
    if (delayMs === 0) return this.fork(slot.index);
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (this.restarting) this.fork(slot.index);
    }, delayMs);
    this.restartTimers.add(timer);
  }

  cancelRestarts(): void {
    this.restarting = false;
    for (const timer of this.restartTimers) clearTimeout(timer);
    this.restartTimers.clear();
  }

  /** Asks every worker to drain within graceMs. */
  shutdownAll(graceMs: number): void {
    for (const slot of this.slots.values()) send(slot, { fastgrpc: "shutdown", graceMs });
  }

  killAll(why?: string): void {
    for (const slot of this.slots.values()) {
      if (why !== undefined) this.options.log.warn({ workerPid: slot.pid }, why);
      slot.worker.process.kill("SIGKILL");
    }
  }

  private onMessage(slot: Slot, raw: unknown): void {
    const message = parseWorkerMessage(raw);
    if (message === undefined) return;
    switch (message.fastgrpc) {
      case "ready":
        return this.events?.ready(slot);
      case "listening":
        slot.listening = true;
        return this.events?.listening(slot, message.urls);
      case "metrics":
        // A late message from a worker already gone must not count twice (its counters are kept as "retired").
        if (this.slots.get(slot.worker.id) === slot) this.collector()?.onReply(slot.worker.id, message);
        return;
      case "failed":
        return this.events?.failed(slot, message.reason);
    }
  }
}
