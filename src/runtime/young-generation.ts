/**
 * Caps V8's young generation for processes that move large messages (fastgrpc-server, fastgrpc-bench,
 * fastgrpc-client; exported for applications as `capYoungGeneration`).
 *
 * Why: V8 scavenges the young generation early when the ArrayBuffers allocated in it reach twice its maximum
 * capacity (--scavenger-max-new-space-capacity-mb, 32 MB by default on Node 24). Message buffers die young, but
 * with the default they piled up to the external-memory trigger first, and a server echoing 16 KiB to 1 MiB
 * messages ran a full Mark-Compact every ~40 ms instead: 30-60% of its CPU. With 4 MB they die in cheap scavenges;
 * in the same runs no Mark-Compact ran at all, and server CPU per 64 KiB echo fell from 290-350 us to 95-140 us,
 * with no change at 64 B (docs/benchmarks.md §12 has the runs and the commands). A process started with its own
 * young-generation flag is left alone.
 */
import v8 from "node:v8";
import { nodeFlagGiven } from "./node-flags.js";

const FLAG = "--scavenger-max-new-space-capacity-mb";
export const YOUNG_GENERATION_MB = 4;
/** The cap as a node command-line flag (the CLIs start with it: runtime/large-message-restart.ts). */
export const YOUNG_GENERATION_CAP_FLAG = `${FLAG}=${YOUNG_GENERATION_MB}`;

/** Flags with which the user sized the young generation themselves. */
const USER_FLAGS = [FLAG, "--max-semi-space-size", "--min-semi-space-size", "--semi-space-growth-factor"];

/** Whether the process was started with a young-generation flag (execArgv or NODE_OPTIONS; - or _ spelling). */
export function youngGenerationSizedByUser(execArgv: readonly string[], nodeOptions: string): boolean {
  return nodeFlagGiven(USER_FLAGS, execArgv, nodeOptions);
}

/**
 * Sets the cap unless the process was started with its own young-generation flag (execArgv or NODE_OPTIONS).
 * Returns whether it was set. Call once, early; it is process-wide (worker threads share it).
 */
export function capYoungGeneration(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ""): boolean {
  if (youngGenerationSizedByUser(execArgv, nodeOptions)) return false;
  try {
    v8.setFlagsFromString(YOUNG_GENERATION_CAP_FLAG);
    return true;
  } catch {
    return false;
  }
}
