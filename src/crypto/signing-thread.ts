/**
 * A signing thread (worker_threads entry; the event loop's side is signing-threads.ts). It signs synchronously -
 * this thread has nothing else to do - and answers in batches (see drain()), so a saturated thread wakes the event
 * loop once per many signatures instead of once per signature (those wake-ups were what cost cheap algorithms
 * half their throughput on libuv's pool). It lowers its own priority first (Linux only: elsewhere that would lower
 * the whole process), so the event loop preempts it whenever it has work.
 */
import type { KeyObject } from "node:crypto";
import { readlinkSync } from "node:fs";
import { parentPort, receiveMessageOnPort, workerData, type MessagePort } from "node:worker_threads";
import { algorithmSpec } from "./algorithms.js";
import { BatchWriter, readBatch, ResultStatus, type SigningJob } from "./signing-batch.js";
import { signKeyArguments, signNow, type SignKeyArgument } from "./sign.js";
import { lowerOwnThreadPriority } from "./own-thread-priority.js";

/** What the event loop hands a new signing thread. */
export interface SigningThreadData {
  readonly port: MessagePort;
  /** [KeyType, private KeyObject]: cloned into this thread, never out of the process. */
  readonly keys: ReadonlyArray<readonly [number, KeyObject]>;
  /** The nice value to run at; 0 leaves the priority alone. */
  readonly nice: number;
  readonly maxDelayMs: number;
}

/** The thread's first message on parentPort. */
export interface SigningThreadReady {
  readonly type: "ready";
  /** The kernel's id of this thread, or -1 where /proc is missing. */
  readonly tid: number;
  /** The nice value the thread runs at, as the kernel reports it. */
  readonly nice: number;
}

const data = workerData as SigningThreadData;
const port = data.port;
const prepared = new Map<number, SignKeyArgument>();
for (const [keyType, privateKey] of data.keys) {
  for (const [algorithm, key] of signKeyArguments(keyType, privateKey)) prepared.set(algorithm, key);
}

const encoder = new TextEncoder();
const failure = (message: string) => encoder.encode(message);

function threadId(): number {
  try {
    const tid = Number(readlinkSync("/proc/thread-self").split("/").pop());
    return Number.isInteger(tid) ? tid : -1;
  } catch {
    return -1;
  }
}

function signOne(out: BatchWriter, id: number, algorithm: number, message: Uint8Array): void {
  const spec = algorithmSpec(algorithm);
  const key = prepared.get(algorithm);
  if (spec === undefined || key === undefined) {
    out.add(id, ResultStatus.Failed, failure(`no key for algorithm ${algorithm} in the signing thread`));
    return;
  }
  try {
    out.add(id, ResultStatus.Signed, signNow(spec, key, message));
  } catch (error) {
    // OpenSSL's messages name routines and reasons, never key bytes.
    out.add(id, ResultStatus.Failed, failure(error instanceof Error ? error.message : String(error)));
  }
}

function send(out: BatchWriter): void {
  const batch = out.take();
  port.postMessage(batch, [batch.buffer]);
}

/** Jobs received and not yet signed, oldest first (`head` is the next one). */
const queue: SigningJob[] = [];
let head = 0;

function receiveWaitingBatches(): void {
  for (let next = receiveMessageOnPort(port); next !== undefined; next = receiveMessageOnPort(port)) {
    if (next.message instanceof Uint8Array) readBatch(next.message, (id, algorithm, message) => queue.push({ id, algorithm, data: message }));
  }
}

/** Below this many results, a batch is held past maxDelayMs (up to MAX_HOLD_MS): slow algorithms batch too. */
const MIN_BATCH = 8;
const MAX_HOLD_MS = 50;

/**
 * Whether the results held go back now: when they are at least as many as the jobs still waiting (so the answered
 * calls make their round trip to the client and back while this thread works through the other half), which
 * includes nothing waiting; when maxDelayMs has passed and there are MIN_BATCH of them; or after MAX_HOLD_MS. Each
 * answer wakes the event loop, and a wake-up costs it 100-200 us on a core this thread has just used (cold caches,
 * measured with /proc per-thread CPU): at full load one wake-up answers many calls, at light load every result goes
 * back at once.
 */
function timeToAnswer(held: number, waiting: number, heldMs: number): boolean {
  return held >= waiting || (heldMs >= data.maxDelayMs && held >= MIN_BATCH) || heldMs >= MAX_HOLD_MS;
}

/** Signs until no job is left, answering as timeToAnswer() says. */
function drain(first: Uint8Array): void {
  readBatch(first, (id, algorithm, message) => queue.push({ id, algorithm, data: message }));
  const out = new BatchWriter();
  let lastSent = performance.now();
  while (head < queue.length) {
    const job = queue[head++];
    if (job === undefined) break;
    signOne(out, job.id, job.algorithm, job.data);
    if (!timeToAnswer(out.size, queue.length - head, performance.now() - lastSent)) continue;
    receiveWaitingBatches();
    const now = performance.now();
    if (timeToAnswer(out.size, queue.length - head, now - lastSent)) {
      send(out);
      lastSent = now;
    }
  }
  queue.length = 0;
  head = 0;
}

port.on("message", (message: unknown) => {
  if (message instanceof Uint8Array) drain(message);
});

const ready: SigningThreadReady = { type: "ready", tid: threadId(), nice: lowerOwnThreadPriority(data.nice).nice };
parentPort?.postMessage(ready);
