// The rolling-restart proof of issue 14, run for real (perf/rolling-restart.ts, shortened): three fastgrpc-server
// processes behind one ipv4: name with round_robin, a client under steady load, each server stopped and started in
// turn. SIGTERM: no call fails and the load spreads evenly again; SIGKILL: with a retryPolicy for UNAVAILABLE no
// call fails either. The script exits non-zero when the run misses the proof and prints what it saw.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { test } from "node:test";

const SCRIPT = fileURLToPath(new URL("../../perf/rolling-restart.js", import.meta.url));

function run(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 90_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once("error", reject);
    // "exit", not "close": the servers it starts share its stderr, so "close" waits for them too.
    child.once("exit", (code) => setImmediate(() => resolve({ code, stdout, stderr })));
  });
}

/**
 * Ports base..base+2 and base+10..base+12, below the ephemeral range (32768 and up), where another test's outgoing
 * connection could take a port while its server is down; a random base keeps parallel test files apart.
 */
function basePort(): string {
  return String(20_000 + Math.floor(Math.random() * 700) * 16);
}

for (const [mode, extra] of [["sigterm", []], ["sigkill", ["--retry"]]] as const) {
  test(`rolling restart by ${mode}${extra.length > 0 ? " with a retry policy" : ""}: no call fails`, { timeout: 120_000 }, async () => {
    const result = await run(["--mode", mode, ...extra, "--phase-ms", "1000", "--concurrency", "8", "--base-port", basePort()]);
    assert.equal(result.code, 0, `${result.stdout}\n${result.stderr.slice(-2000)}`);
    const report = JSON.parse(result.stdout) as { failed: number; calls: Record<string, number>; worstDeviationFromMean: number };
    assert.equal(report.failed, 0, result.stdout);
    assert.ok((report.calls.OK ?? 0) > 1000, result.stdout);
    assert.ok(report.worstDeviationFromMean <= 0.2, result.stdout);
  });
}
