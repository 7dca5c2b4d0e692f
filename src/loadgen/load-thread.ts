/**
 * One load thread's whole life, the same in the main thread (--threads 1) and in a worker: its own client and
 * connections, a probe call (which also opens the first connection), then the load run on "go".
 */
import { retryCountsBetween } from "../client/retry/stats.js";
import type { CallSpec } from "./call-spec.js";
import { createClientCaller } from "./client-caller.js";
import { LoadRun, type ProgressSnapshot } from "./load-run.js";
import type { ThreadResult } from "./load-recorder.js";
import type { BenchOptions } from "./options.js";
import { probe, probeWithCaller } from "./probe.js";
import { threadConnections, threadPlan } from "./thread-plan.js";

export interface PreparedThread {
  /** Starts the load; resolves with the thread's measurements. */
  run(): Promise<ThreadResult>;
  stop(): void;
  progress(): ProgressSnapshot;
  close(): Promise<void>;
}

/** Connects and probes; throws BenchRuntimeError when the target does not answer the first call. */
export async function prepareThread(options: BenchOptions, spec: CallSpec, index: number): Promise<PreparedThread> {
  const { caller, client } = createClientCaller(options, spec, threadConnections(options, index), index);
  try {
    if (spec.kind === "unary") await probe(client, options.target, spec.path, spec.request, options.timeoutMs, options.metadata);
    else await probeWithCaller(caller, options.target, spec.path, options.timeoutMs);
  } catch (error) {
    await client.close(true);
    throw error;
  }
  const load = new LoadRun(caller, threadPlan(options, index));
  return {
    run: () => {
      const before = client.retryStats();
      return load.run().then((result) => ({ ...result, retries: retryCountsBetween(before, client.retryStats()) }));
    },
    stop: () => load.stop(),
    progress: () => load.progress(),
    // Calls still in flight after the drain time are abandoned: close at once.
    close: () => client.close(true),
  };
}
