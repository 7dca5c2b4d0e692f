/**
 * Signing threads: the event loop's side. Sign() queues a job for the least busy thread; the jobs queued during one
 * turn of the event loop go to each thread as one batch (signing-batch.ts), and each thread answers in batches
 * (signing-thread.ts). Against node:crypto's callback form on libuv's pool - one job and one event-loop wake-up
 * per signature - this is what lets a server on a saturated core keep its event loop cheap per signature while
 * the threads run at a low priority (docs/crypto.md has the figures).
 *
 * A thread that dies fails its pending jobs with INTERNAL and is replaced; one that keeps dying within a second of
 * starting is given up, and when no thread is left, signing falls back to `fallback` (libuv's pool).
 */
import type { KeyObject } from "node:crypto";
import { MessageChannel, Worker, type MessagePort } from "node:worker_threads";
import { errors } from "../errors/catalog.js";
import type { Logger } from "../log/logger.js";
import type { AlgorithmSpec } from "./algorithms.js";
import { BatchWriter, readBatch, ResultStatus } from "./signing-batch.js";
import type { SigningThreadData, SigningThreadReady } from "./signing-thread.js";

export interface SigningThreadsOptions {
  /** How many threads; at least 1. */
  threads: number;
  /** Their nice value (0 leaves them at the event loop's priority). */
  nice: number;
  /** A busy thread answers at least this often (with 8 results or more); default 5 ms. */
  maxDelayMs?: number;
  /** Signs when every thread has been given up. */
  fallback: (spec: AlgorithmSpec, data: Uint8Array) => Promise<Uint8Array>;
  log?: Logger;
  /** The thread's script; a seam for tests. */
  entry?: URL;
}

export interface SigningThreadInfo {
  readonly tid: number;
  readonly nice: number;
}

interface PendingJob {
  readonly resolve: (signature: Uint8Array) => void;
  readonly reject: (error: unknown) => void;
}

const DEFAULT_MAX_DELAY_MS = 5;
/** A thread that dies sooner than this after starting counts as failing at start. */
const QUICK_DEATH_MS = 1000;
const MAX_QUICK_DEATHS = 3;
const decoder = new TextDecoder();

class SigningThread {
  readonly pending = new Map<number, PendingJob>();
  outbox = new BatchWriter();
  worker: Worker;
  port: MessagePort;
  startedAt = 0;
  quickDeaths = 0;
  givenUp = false;
  info: Promise<SigningThreadInfo>;

  constructor(private readonly owner: SigningThreads) {
    ({ worker: this.worker, port: this.port, info: this.info } = this.#start());
  }

  #start(): { worker: Worker; port: MessagePort; info: Promise<SigningThreadInfo> } {
    const { port1, port2 } = new MessageChannel();
    const data: SigningThreadData = { port: port2, keys: this.owner.keys, nice: this.owner.nice, maxDelayMs: this.owner.maxDelayMs };
    const worker = new Worker(this.owner.entry, { workerData: data, transferList: [port2] });
    this.startedAt = performance.now();
    port1.on("message", (batch: unknown) => {
      if (batch instanceof Uint8Array) this.#settle(batch);
    });
    port1.unref();
    worker.unref();
    const info = new Promise<SigningThreadInfo>((resolve) => {
      worker.once("message", (message: SigningThreadReady) => resolve({ tid: message.tid, nice: message.nice }));
      worker.once("exit", () => resolve({ tid: -1, nice: this.owner.nice }));
    });
    worker.on("error", (error) => this.owner.log?.error({ err: error }, "signing thread failed"));
    worker.once("exit", (code) => this.#exited(worker, port1, code));
    return { worker, port: port1, info };
  }

  queue(id: number, spec: AlgorithmSpec, data: Uint8Array, job: PendingJob): void {
    if (this.pending.size === 0) this.port.ref();
    this.pending.set(id, job);
    this.outbox.add(id, spec.algorithm, data);
  }

  flush(): void {
    if (this.outbox.size === 0) return;
    const batch = this.outbox.take();
    this.port.postMessage(batch, [batch.buffer]);
  }

  #settle(batch: Uint8Array): void {
    readBatch(batch, (id, status, payload) => {
      const job = this.pending.get(id);
      if (job === undefined) return;
      this.pending.delete(id);
      if (status === ResultStatus.Signed) job.resolve(payload);
      else job.reject(new Error(decoder.decode(payload)));
    });
    if (this.pending.size === 0) this.port.unref();
  }

  #exited(worker: Worker, port: MessagePort, code: number): void {
    port.close();
    if (worker !== this.worker) return;
    this.failAll(new Error(`the signing thread exited (code ${code})`));
    if (this.owner.closed) return;
    this.quickDeaths = performance.now() - this.startedAt < QUICK_DEATH_MS ? this.quickDeaths + 1 : 0;
    if (this.quickDeaths >= MAX_QUICK_DEATHS) {
      this.givenUp = true;
      this.owner.log?.error({ code }, "signing thread keeps exiting; given up");
      return;
    }
    this.owner.log?.warn({ code }, "signing thread exited; starting another");
    try {
      ({ worker: this.worker, port: this.port, info: this.info } = this.#start());
    } catch (error) {
      // The runtime refused a new thread (out of memory, too many threads): sign elsewhere from now on.
      this.givenUp = true;
      this.owner.log?.error({ err: error }, "cannot start a signing thread; given up");
    }
  }

  failAll(error: unknown): void {
    this.outbox = new BatchWriter();
    const jobs = [...this.pending.values()];
    this.pending.clear();
    this.port.unref();
    for (const job of jobs) job.reject(error);
  }
}

export class SigningThreads {
  readonly keys: ReadonlyArray<readonly [number, KeyObject]>;
  readonly nice: number;
  readonly maxDelayMs: number;
  readonly entry: URL;
  readonly log: Logger | undefined;
  closed = false;
  readonly #threads: SigningThread[] = [];
  readonly #fallback: SigningThreadsOptions["fallback"];
  #nextId = 0;
  #flushScheduled = false;
  readonly #flush = () => {
    this.#flushScheduled = false;
    for (const thread of this.#threads) thread.flush();
  };

  constructor(keys: Iterable<readonly [number, KeyObject]>, options: SigningThreadsOptions) {
    if (!Number.isInteger(options.threads) || options.threads < 1) throw new RangeError(`signing threads must be 1 or more, not ${options.threads}`);
    this.keys = [...keys];
    this.nice = options.nice;
    this.maxDelayMs = options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS;
    this.entry = options.entry ?? new URL("./signing-thread.js", import.meta.url);
    this.log = options.log;
    this.#fallback = options.fallback;
    for (let i = 0; i < options.threads; i++) this.#threads.push(new SigningThread(this));
  }

  /** Each thread's id and nice value once it has started (tid -1 for one that exited first). */
  ready(): Promise<SigningThreadInfo[]> {
    return Promise.all(this.#threads.map((thread) => thread.info));
  }

  /** Rejects with the library's error message for a failed signature, UNAVAILABLE after close(). */
  sign(spec: AlgorithmSpec, data: Uint8Array): Promise<Uint8Array> {
    if (this.closed) return Promise.reject(errors.shuttingDown());
    const thread = this.#leastBusy();
    if (thread === undefined) return this.#fallback(spec, data);
    return new Promise((resolve, reject) => {
      const id = this.#nextId;
      this.#nextId = (this.#nextId + 1) >>> 0;
      thread.queue(id, spec, data, { resolve, reject });
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        // After this turn's I/O callbacks: every request read in this turn rides in the same batch.
        setImmediate(this.#flush);
      }
    });
  }

  /** Fails the jobs still pending with UNAVAILABLE and stops the threads. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const stopping = this.#threads.map((thread) => {
      thread.failAll(errors.shuttingDown());
      return thread.worker.terminate();
    });
    await Promise.allSettled(stopping);
  }

  #leastBusy(): SigningThread | undefined {
    let best: SigningThread | undefined;
    for (const thread of this.#threads) {
      if (thread.givenUp) continue;
      if (best === undefined || thread.pending.size < best.pending.size) best = thread;
    }
    return best;
  }
}
