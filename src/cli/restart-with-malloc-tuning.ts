/**
 * Imported first by each command-line entry point: re-executes the process in place with glibc's malloc tuned
 * for large messages (runtime/malloc-tuning.ts) before any other module runs or any thread starts.
 */
import { restartWithMallocTuning } from "../runtime/malloc-tuning.js";

restartWithMallocTuning();
