/**
 * The primary's /metrics under --workers N: each scrape asks every listening worker for a snapshot of its own
 * ServerMetrics (IPC, with a request id), waits up to timeoutMs, and renders the sum with the primary's own counters
 * (it serves calls too) and one process series per process (label `process`: "primary", "worker-1"...).
 *
 * Counters must never go backwards in the sum, or Prometheus would read a reset of the whole server:
 * - a worker that does not answer in time adds its last answered counters (its gauges and process figures are left
 *   out, and the scrape says so in a comment and in fastgrpc_metrics_scrape_workers{result="timed_out"});
 * - a worker that exits leaves its last answered counters behind, kept by the primary; its replacement counts
 *   from zero. What a worker counted after its last answer is lost with it (a small, normal counter reset).
 */
import type { MetricsSource } from "../metrics-http.js";
import { EMPTY_METRICS_SNAPSHOT, type LabelledProcessSample, type MetricsSnapshot, type ProcessSample, escapeLabel, renderExposition, sampleProcess } from "../metrics.js";
import { SnapshotSum } from "./metrics-sum.js";

/** Long enough for a worker busy with a burst of calls; short enough for Prometheus's default 10 s scrape timeout. */
export const DEFAULT_METRICS_TIMEOUT_MS = 1000;

export interface ScrapeTarget {
  /** Unique for the worker's life (cluster's worker id). */
  readonly id: number;
  /** Its `process` label value: "worker-1"... (a replacement takes the label of the worker it replaces). */
  readonly label: string;
  readonly pid: number;
  /** Sends the request; calls failed() if it could not be sent (the worker then counts as not answering at once). */
  ask(requestId: number, failed: () => void): void;
}

export interface WorkerMetricsReply {
  readonly id: number;
  readonly snapshot: MetricsSnapshot;
  readonly process: ProcessSample;
}

interface PendingScrape {
  readonly waiting: Set<number>;
  readonly answered: Set<number>;
  readonly done: () => void;
}

export class WorkerMetricsCollector implements MetricsSource {
  private nextRequestId = 1;
  /** Each live worker's latest answer. */
  private readonly latest = new Map<number, { snapshot: MetricsSnapshot; process: ProcessSample }>();
  /** The counters of workers that exited, as they last answered. */
  private readonly retired = new SnapshotSum();
  private readonly pending = new Map<number, PendingScrape>();

  constructor(
    private readonly targets: () => readonly ScrapeTarget[],
    private readonly timeoutMs = DEFAULT_METRICS_TIMEOUT_MS,
    /** What the primary counted itself, read at each scrape. */
    private readonly own: () => MetricsSnapshot = () => EMPTY_METRICS_SNAPSHOT,
  ) {}

  /** A worker's answer (to this or an earlier request: any answer is its newest figures). */
  onReply(workerId: number, reply: WorkerMetricsReply): void {
    this.latest.set(workerId, { snapshot: reply.snapshot, process: reply.process });
    const scrape = this.pending.get(reply.id);
    if (scrape === undefined || !scrape.waiting.delete(workerId)) return;
    scrape.answered.add(workerId);
    if (scrape.waiting.size === 0) scrape.done();
  }

  /** A worker exited: keep its last counters, and stop waiting for it. */
  onWorkerExit(workerId: number): void {
    const last = this.latest.get(workerId);
    if (last !== undefined) this.retired.add(last.snapshot, false);
    this.latest.delete(workerId);
    for (const scrape of this.pending.values()) {
      if (scrape.waiting.delete(workerId) && scrape.waiting.size === 0) scrape.done();
    }
  }

  async render(): Promise<string> {
    const targets = this.targets();
    const answered = await this.ask(targets);
    const sum = new SnapshotSum().add(this.retired.snapshot(), false).add(this.own(), true);
    const processes: LabelledProcessSample[] = [{ process: "primary", sample: sampleProcess() }];
    const late: ScrapeTarget[] = [];
    for (const target of targets) {
      const latest = this.latest.get(target.id);
      if (latest === undefined && !answered.has(target.id)) {
        // Exited during the scrape (its counters are in `retired` now), or never answered yet (it has none to add).
        if (this.isLive(target)) late.push(target);
        continue;
      }
      if (latest === undefined) continue;
      const fresh = answered.has(target.id);
      sum.add(latest.snapshot, fresh);
      if (fresh) processes.push({ process: target.label, sample: latest.process });
      else late.push(target);
    }
    const out = renderExposition(sum.snapshot(), processes);
    const answeredCount = targets.length - late.length;
    out.push(
      "# HELP fastgrpc_metrics_scrape_workers Workers asked for their metrics by this scrape, by whether they answered in time.",
      "# TYPE fastgrpc_metrics_scrape_workers gauge",
      `fastgrpc_metrics_scrape_workers{result="answered"} ${answeredCount}`,
      `fastgrpc_metrics_scrape_workers{result="timed_out"} ${late.length}`,
    );
    for (const target of late) {
      out.push(`# fastgrpc: ${escapeLabel(target.label)} (pid ${target.pid}) did not answer within ${this.timeoutMs} ms:`
        + " its counters are from its last answer; its gauges and process figures are left out");
    }
    out.push("");
    return out.join("\n");
  }

  /** A target counts as live until onWorkerExit; exited ones are no longer among the current targets. */
  private isLive(target: ScrapeTarget): boolean {
    return this.targets().some((each) => each.id === target.id);
  }

  /** Sends one request to every target; resolves with those that answered it within timeoutMs. */
  private ask(targets: readonly ScrapeTarget[]): Promise<Set<number>> {
    const requestId = this.nextRequestId++;
    const answered = new Set<number>();
    if (targets.length === 0) return Promise.resolve(answered);
    return new Promise<Set<number>>((resolve) => {
      const waiting = new Set(targets.map((target) => target.id));
      let timer: NodeJS.Timeout | undefined;
      const done = (): void => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(answered);
      };
      this.pending.set(requestId, { waiting, answered, done });
      timer = setTimeout(done, this.timeoutMs);
      for (const target of targets) {
        target.ask(requestId, () => {
          if (waiting.delete(target.id) && waiting.size === 0) done();
        });
      }
    });
  }
}
