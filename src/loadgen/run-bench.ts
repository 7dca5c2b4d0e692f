/**
 * Runs a whole benchmark: the load threads (the main thread alone for --threads 1, else one worker_thread each),
 * progress once a second, and the merged report.
 */
import { Worker } from "node:worker_threads";
import type { ThreadResult } from "./load-recorder.js";
import type { ProgressSnapshot } from "./load-run.js";
import { prepareThread } from "./load-thread.js";
import { mergeResults } from "./merge.js";
import type { BenchOptions } from "./options.js";
import { BenchRuntimeError } from "./probe.js";
import { type BenchReport, buildReport } from "./report.js";
import type { GrpcClient } from "../client/client.js";
import { createBenchClient } from "./bench-client.js";
import { type CallSpec, resolveCallSpec } from "./call-spec.js";
import type { FromWorker, ToWorker, WorkerInput } from "./worker-protocol.js";

export interface RunHooks {
  /** Aborting stops sending; calls in flight end and the report covers what ran. */
  readonly signal?: AbortSignal;
  /** Called about once a second with the totals so far (all threads). */
  readonly onProgress?: (totals: ProgressSnapshot) => void;
}

const PROGRESS_INTERVAL_MS = 1_000;

export async function runBench(options: BenchOptions, hooks: RunHooks = {}): Promise<BenchReport> {
  const spec = await resolveSpec(options);
  const results = options.threads === 1 ? await runInThisThread(options, spec, hooks) : await runInWorkers(options, spec, hooks);
  return buildReport(options, mergeResults(results), { path: spec.path, requestBytes: spec.request.length, kind: spec.kind });
}

/** Makes only the probe call (--probe). Throws BenchRuntimeError when it fails. */
export async function probeOnly(options: BenchOptions): Promise<void> {
  const single = { ...options, threads: 1, connections: 1 };
  const thread = await prepareThread(single, await resolveSpec(single), 0);
  await thread.close();
}

/** The call every thread makes; a schema lookup through reflection uses a client of its own, closed after. */
async function resolveSpec(options: BenchOptions): Promise<CallSpec> {
  let client: GrpcClient | undefined;
  try {
    return await resolveCallSpec(options, () => (client ??= createBenchClient(options, 1)));
  } finally {
    await client?.close(true);
  }
}

async function runInThisThread(options: BenchOptions, spec: CallSpec, hooks: RunHooks): Promise<ThreadResult[]> {
  const thread = await prepareThread(options, spec, 0);
  const onAbort = () => thread.stop();
  hooks.signal?.addEventListener("abort", onAbort);
  const onProgress = hooks.onProgress;
  const ticker = onProgress && setInterval(() => onProgress(thread.progress()), PROGRESS_INTERVAL_MS);
  try {
    if (hooks.signal?.aborted) thread.stop();
    return [await thread.run()];
  } finally {
    clearInterval(ticker);
    hooks.signal?.removeEventListener("abort", onAbort);
    await thread.close();
  }
}

async function runInWorkers(options: BenchOptions, spec: CallSpec, hooks: RunHooks): Promise<ThreadResult[]> {
  const workers: Worker[] = [];
  for (let index = 0; index < options.threads; index++) {
    const workerData: WorkerInput = { options, spec, index };
    workers.push(new Worker(new URL("./worker-main.js", import.meta.url), { workerData }));
  }
  const latest: ProgressSnapshot[] = workers.map(() => ({ ok: 0, failed: 0, p99Us: 0, measuring: false, behindMs: 0, late: 0, atCap: false }));
  const send = (message: ToWorker) => {
    for (const worker of workers) worker.postMessage(message);
  };
  let ready = 0;
  let started = false;
  const results: ThreadResult[] = [];
  const onAbort = () => send({ type: "stop" });

  const finished = new Promise<ThreadResult[]>((resolve, reject) => {
    workers.forEach((worker, index) => {
      worker.on("message", (message: FromWorker) => {
        switch (message.type) {
          case "ready":
            if (++ready === workers.length) {
              started = true;
              send({ type: "go" });
              if (hooks.signal?.aborted) onAbort();
            }
            break;
          case "progress":
            latest[index] = message.progress;
            break;
          case "result":
            results.push(message.result);
            if (results.length === workers.length) resolve(results);
            break;
          case "error":
            reject(new BenchRuntimeError(message.message));
            break;
        }
      });
      worker.on("error", (error) => reject(new BenchRuntimeError(`load thread ${index} failed: ${error.message}`)));
      worker.on("exit", (code) => {
        if (results.length < workers.length) reject(new BenchRuntimeError(`load thread ${index} exited (code ${code}) before reporting`));
      });
    });
  });

  hooks.signal?.addEventListener("abort", onAbort);
  const onProgress = hooks.onProgress;
  const ticker =
    onProgress &&
    setInterval(() => {
      if (started) onProgress(sumProgress(latest));
    }, PROGRESS_INTERVAL_MS);
  try {
    return await finished;
  } finally {
    clearInterval(ticker);
    hooks.signal?.removeEventListener("abort", onAbort);
    await Promise.all(workers.map((worker) => worker.terminate()));
  }
}

/** Counts add up; the p99 shown is the worst thread's (percentiles do not add). */
function sumProgress(snapshots: readonly ProgressSnapshot[]): ProgressSnapshot {
  let ok = 0;
  let failed = 0;
  let p99Us = 0;
  let measuring = false;
  let behindMs = 0;
  let late = 0;
  let atCap = false;
  for (const s of snapshots) {
    atCap ||= s.atCap;
    behindMs = Math.max(behindMs, s.behindMs);
    late += s.late;
    ok += s.ok;
    failed += s.failed;
    p99Us = Math.max(p99Us, s.p99Us);
    measuring ||= s.measuring;
  }
  return { ok, failed, p99Us, measuring, behindMs, late, atCap };
}
