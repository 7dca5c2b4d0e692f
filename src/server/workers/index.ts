/** Multi-process serving: `--workers N` serves in the primary and N - 1 forked workers, with the same listeners and signing keys. */
import cluster from "node:cluster";
import { availableParallelism } from "node:os";

export { runPrimary, type PrimaryMetricsOptions, type PrimaryOptions } from "./primary.js";
export { runWorker, type WorkerOptions } from "./worker.js";

/** The default --workers: one per core this process may use. */
export function defaultWorkerCount(): number {
  return Math.max(1, availableParallelism());
}

/** True in a worker forked by runPrimary (node:cluster worker). */
export function isWorkerProcess(): boolean {
  return cluster.isWorker;
}
