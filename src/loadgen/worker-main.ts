/** Entry point of a load worker thread (--threads > 1): prepares, waits for "go", runs, posts its result. */
import { parentPort, workerData } from "node:worker_threads";
import { prepareThread, type PreparedThread } from "./load-thread.js";
import type { FromWorker, ToWorker, WorkerInput } from "./worker-protocol.js";

const PROGRESS_INTERVAL_MS = 1_000;

function post(message: FromWorker): void {
  parentPort?.postMessage(message);
}

async function main(input: WorkerInput): Promise<void> {
  let thread: PreparedThread;
  try {
    thread = await prepareThread(input.options, input.spec, input.index);
  } catch (error) {
    post({ type: "error", message: error instanceof Error ? error.message : String(error) });
    return;
  }
  parentPort?.on("message", (message: ToWorker) => {
    if (message.type === "stop") {
      thread.stop();
      return;
    }
    const ticker = setInterval(() => post({ type: "progress", progress: thread.progress() }), PROGRESS_INTERVAL_MS);
    thread.run().then(
      async (result) => {
        clearInterval(ticker);
        await thread.close();
        post({ type: "result", result });
      },
      (error: unknown) => {
        clearInterval(ticker);
        post({ type: "error", message: error instanceof Error ? error.message : String(error) });
      },
    );
  });
  post({ type: "ready" });
}

void main(workerData as WorkerInput);
