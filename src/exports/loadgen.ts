/** `fastgrpc/loadgen`: the load generator behind fastgrpc-bench, as a library (closed or open loop, reports). */
export { runBench, probeOnly, type RunHooks } from "../loadgen/run-bench.js";
export { parseCommandLine, DEFAULTS, UsageError, type BenchOptions, type BenchService } from "../loadgen/options.js";
export type { BenchReport } from "../loadgen/report.js";
export { renderTable } from "../loadgen/report-text.js";
export { renderHtml } from "../loadgen/report-html.js";
export { BenchRuntimeError } from "../loadgen/probe.js";
