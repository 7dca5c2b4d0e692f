/** Messages between the main thread and the load threads (worker_threads, structured clone). */
import type { ThreadResult } from "./load-recorder.js";
import type { ProgressSnapshot } from "./load-run.js";
import type { CallSpec } from "./call-spec.js";
import type { BenchOptions } from "./options.js";

export interface WorkerInput {
  readonly options: BenchOptions;
  readonly spec: CallSpec;
  readonly index: number;
}

export type ToWorker = { readonly type: "go" } | { readonly type: "stop" };

export type FromWorker =
  | { readonly type: "ready" }
  | { readonly type: "progress"; readonly progress: ProgressSnapshot }
  | { readonly type: "result"; readonly result: ThreadResult }
  | { readonly type: "error"; readonly message: string };
