// docs/benchmarks.md's payload sweep is made by perf/compare/sweep-medians.py from run.sh passes and drawn by
// perf/sweep-plot.ts from that table. A cell that run.sh marked "short" (its server answered fewer DATA bytes than an
// echo: refusals that h2load counts as successes) must not count as that server's rate; grpc-js has its own column
// and line; and the tables written before grpc-js had a column must still draw, with three lines.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const MEDIANS = fileURLToPath(new URL("../../../perf/compare/sweep-medians.py", import.meta.url));
const PLOT = fileURLToPath(new URL("../../perf/sweep-plot.js", import.meta.url));

// run.sh's columns: server bytes scenario req/s mean p99 failed us/call grpc-status
const PASSES = `
server           bytes scenario        req/s         mean        p99     failed server us/call  grpc-status
fastgrpc       4194304 1x16           200.00      80.00ms          -          0         4000.0            0
fastgrpc       4194304 1x16           220.00      72.00ms          -          0         3900.0            0
fastgrpc       4194304 1x16           210.00      76.00ms          -          0         4100.0            0
cpp            4194304 1x16           400.00      40.00ms          -          0          100.0        short
cpp            4194304 1x16           410.00      39.00ms          -          0          110.0        short
cpp            4194304 1x16           150.00     107.00ms          -          0         6000.0            0
raw            4194304 1x16           100.00     160.00ms          -          0         9000.0            0
raw            4194304 1x16           110.00     145.00ms          -          0         8800.0            0
raw            4194304 1x16            90.00     178.00ms          -          0         9200.0            0
fastgrpc            64 1x16        100000.00        160us          -          0            3.0            0
cpp                 64 1x16         50000.00        320us          -          0           15.0            0
raw                 64 1x16         40000.00        400us          -          0           20.0            0
grpc-js             64 1x16         20000.00        800us          -          0           40.0            0
fastgrpc 4194304 B 1x16:  1.40x cpp  2.10x raw
`;

function tableOf(log: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "sweep-medians-"));
  try {
    writeFileSync(join(dir, "sweep.log"), log);
    const run = spawnSync("python3", [MEDIANS, join(dir, "sweep.log")], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.trim().split("\n");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("a short cell counts as 0 calls/s in its median, and a server with no run shows -", () => {
  const [header, , small, large] = tableOf(PASSES);
  assert.match(header ?? "", /^\| payload \| scenario \| fastgrpc req\/s \| raw node:http2 req\/s \| C\+\+ gRPC req\/s \| grpc-js req\/s \|/);
  // C++ at 4 MiB: 0, 0 (short) and 150 -> median 0; the best other is raw's 100, so fastgrpc's 210 is 2.10x.
  assert.equal(large, "| 4 MiB | 1x16 | 210 | 100 | 0 | - | 2.10x | 4,000.0 / 9,000.0 / 110.0 / - | 200, 220, 210 |");
  assert.equal(small, "| 64 B | 1x16 | 100,000 | 40,000 | 50,000 | 20,000 | 2.00x | 3.0 / 20.0 / 15.0 / 40.0 | 100,000 |");
});

function linesDrawn(markdown: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), "sweep-plot-"));
  try {
    writeFileSync(join(dir, "doc.md"), markdown);
    const run = spawnSync(process.execPath, [PLOT, join(dir, "doc.md"), dir, "", "t"], { encoding: "utf8" });
    assert.equal(run.status, 0, run.stderr);
    const svg = readFileSync(join(dir, "t-1x16-rate.svg"), "utf8");
    return ["fastgrpc", "raw node:http2", "C++ gRPC", "@grpc/grpc-js"].filter((label) => svg.includes(`>${label}<`));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the plot draws a grpc-js line from a table with its column, and three lines from an older table", () => {
  const withGrpcJs = `${tableOf(PASSES).join("\n")}\n`;
  assert.deepEqual(linesDrawn(withGrpcJs), ["fastgrpc", "raw node:http2", "C++ gRPC", "@grpc/grpc-js"]);
  const older = [
    "| payload | scenario | fastgrpc req/s | raw node:http2 req/s | C++ gRPC req/s | fastgrpc / best other | server CPU us/call (fastgrpc / raw / C++) | fastgrpc's runs |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    "| 64 B | 1x16 | 100,000 | 40,000 | 50,000 | 2.00x | 3.0 / 20.0 / 15.0 | 100,000 |",
    "| 4 MiB | 1x16 | 210 | 100 | 150 | 1.40x | 4,000.0 / 9,000.0 / 6,000.0 | 210 |",
    "",
  ].join("\n");
  assert.deepEqual(linesDrawn(older), ["fastgrpc", "raw node:http2", "C++ gRPC"]);
});
