/** fastgrpc-bench: the load generator's command line. Errors are one line on stderr, never a stack trace. */
import { writeFile } from "node:fs/promises";
import { parseCommandLine, UsageError, type BenchOptions } from "../loadgen/options.js";
import { ProgressLine } from "../loadgen/progress-line.js";
import { BenchRuntimeError } from "../loadgen/probe.js";
import { readReport, renderComparison } from "../loadgen/compare.js";
import { renderHtml } from "../loadgen/report-html.js";
import { hgrmFiles, renderHgrm } from "../loadgen/report-hgrm.js";
import { invalidLatencyWarning, renderTable } from "../loadgen/report-text.js";
import { probeOnly, runBench } from "../loadgen/run-bench.js";
import { USAGE } from "../loadgen/usage.js";
import { capYoungGeneration } from "../runtime/young-generation.js";

// Large messages then die in scavenges, not Mark-Compacts (runtime/young-generation.ts). A no-op after the entry's
// restart, which starts node with the cap as a flag; it counts where node could not restart (no process.execve).
capYoungGeneration();

const NAME = "fastgrpc-bench";
const EXIT_OK = 0;
const EXIT_RUNTIME = 1;
const EXIT_USAGE = 2;
const EXIT_ERROR_RATE = 3;
/** Interrupted by Ctrl-C: the report of what ran is printed, but the run is not the one asked for. */
const EXIT_INTERRUPTED = 130;

async function main(argv: readonly string[]): Promise<number> {
  if (argv[0] === "--compare") {
    if (argv.length !== 3) {
      process.stderr.write(`${NAME}: --compare takes two JSON reports: --compare A.json B.json\n`);
      return EXIT_USAGE;
    }
    const [a = "", b = ""] = argv.slice(1);
    process.stdout.write(renderComparison(await readReport(a), await readReport(b), [a, b]));
    return EXIT_OK;
  }
  let options: BenchOptions;
  try {
    const parsed = parseCommandLine(argv);
    if (parsed.help) {
      process.stdout.write(USAGE);
      return EXIT_OK;
    }
    options = parsed.options;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`${NAME}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }

  if (options.probeOnly) {
    await probeOnly(options);
    process.stdout.write(`${options.target} answered ${options.call ?? options.service}\n`);
    return EXIT_OK;
  }

  const abort = new AbortController();
  let interrupted = false;
  const onSigint = () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: do not wait for calls in flight
    interrupted = true;
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  const progress = process.stderr.isTTY ? new ProgressLine(process.stderr) : undefined;
  let report;
  try {
    report = await runBench(options, {
      signal: abort.signal,
      ...(progress ? { onProgress: (snapshot) => progress.update(snapshot) } : {}),
    });
  } finally {
    progress?.clear();
    process.off("SIGINT", onSigint);
  }

  process.stdout.write(renderTable(report));
  for (const line of invalidLatencyWarning(report)) process.stderr.write(`${NAME}: ${line}\n`);
  if (options.jsonFile !== undefined) await writeOutput(options.jsonFile, `${JSON.stringify(report, null, 2)}\n`);
  if (options.htmlFile !== undefined) await writeOutput(options.htmlFile, renderHtml(report));
  if (options.hgrmFile !== undefined) {
    for (const { file, which } of hgrmFiles(options.hgrmFile, report)) await writeOutput(file, renderHgrm(report, which));
  }
  if (report.maxErrorRateExceeded) {
    process.stderr.write(`${NAME}: error rate ${(report.errorRate * 100).toFixed(2)}% exceeds --max-error-rate\n`);
    return EXIT_ERROR_RATE;
  }
  return interrupted ? EXIT_INTERRUPTED : EXIT_OK;
}

async function writeOutput(file: string, text: string): Promise<void> {
  try {
    await writeFile(file, text);
  } catch (error) {
    const reason = error instanceof Error && "code" in error ? String(error.code) : String(error);
    throw new BenchRuntimeError(`cannot write ${file}: ${reason}`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const message = error instanceof BenchRuntimeError ? error.message : `unexpected failure: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`${NAME}: ${message}\n`);
    process.exitCode = EXIT_RUNTIME;
  },
);
