#!/usr/bin/env node
// fastgrpc-server's entry. It re-executes the process with the settings that only apply at start-up
// (restart-for-large-messages.ts) before the command line's modules load, so that they load once: the restart then
// costs one bare node start (~60 ms), not ~150 ms (docs/benchmarks.md §13).
import "./restart-for-large-messages.js";

await import("./server-main.js");
