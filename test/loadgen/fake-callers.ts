/** Callers for load-loop tests: no network, outcomes and delays chosen by the test. */
import type { Caller } from "../../src/loadgen/caller.js";

/** Completes each call with `codeOf(n)` (n = 0, 1, 2... in start order) after `delayMs`. */
export function timedCaller(delayMs: number, codeOf: (n: number) => number = () => 0): Caller & { started: () => number; maxInFlight: () => number } {
  let started = 0;
  let inFlight = 0;
  let maxInFlight = 0;
  const caller = ((completion) => {
    const code = codeOf(started++);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      completion.done(code);
    }, delayMs);
  }) as Caller & { started: () => number; maxInFlight: () => number };
  caller.started = () => started;
  caller.maxInFlight = () => maxInFlight;
  return caller;
}

/** Blocks this thread's event loop for `ms`: a stop-the-world stall of everything in the process. */
export function stallEventLoop(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // spin
  }
}
