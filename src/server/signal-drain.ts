/**
 * The signal-driven drain of a serving process, the same for a single-process server and for each worker: the
 * first SIGTERM/SIGINT (or the primary asking, or going away) drains with the grace period; a second signal exits
 * at once with 1.
 */
import type { Logger } from "../log/logger.js";

export interface SignalDrainOptions {
  log: Logger;
  /** The grace period of a signal-driven drain. */
  graceMs: number;
  /** Drains what the process serves; resolves once calls in flight finished (or the grace period ended). */
  drain(graceMs: number): Promise<void>;
  /** The drain's log line ("shutting down" for a single process, "worker draining" for a worker). */
  message: string;
}

const SIGNALS: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"];

export class SignalDrain {
  /** The process exit code: 0 after a clean drain, 1 if it failed or a second signal cut it short. */
  readonly exitCode: Promise<number>;
  private resolveExit: (code: number) => void = () => {};
  private started = false;
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    if (this.started) {
      this.options.log.warn({ signal }, "second signal: exiting now");
      this.finish(1);
      return;
    }
    this.start(signal);
  };

  constructor(private readonly options: SignalDrainOptions) {
    this.exitCode = new Promise<number>((resolve) => { this.resolveExit = resolve; });
    for (const signal of SIGNALS) process.on(signal, this.onSignal);
  }

  get draining(): boolean {
    return this.started;
  }

  /** Starts the drain once (later calls are ignored): `why` is the signal or the reason, for the log. */
  start(why: string, graceMs = this.options.graceMs): void {
    if (this.started) return;
    this.started = true;
    this.options.log.info({ why, graceMs }, this.options.message);
    this.options.drain(graceMs).then(
      () => this.finish(0),
      (error: unknown) => {
        this.options.log.error({ err: error }, "shutdown failed");
        this.finish(1);
      },
    );
  }

  /** Stops listening for signals (tests; a serving process keeps its handlers until it exits). */
  dispose(): void {
    for (const signal of SIGNALS) process.off(signal, this.onSignal);
  }

  /**
   * Ends with `code` (also without a drain, e.g. when start-up failed). The signal handlers stay: the process is
   * about to exit, and a late signal must not kill it with a different status.
   */
  finish(code: number): void {
    this.started = true;
    this.resolveExit(code);
  }
}
