/**
 * restartWithMallocTuning / mallocTuningEnv: the CLIs re-execute themselves in place with glibc's malloc tuned so
 * that a freed message buffer is reused warm instead of being faulted in afresh (runtime/large-message-restart.ts), and
 * a user's own malloc settings are left alone.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { MALLOC_TUNING_ENV, OLD_SPACE_FLAG, SEMI_SPACE_FLAG, largeMessageRestart } from "../../src/runtime/large-message-restart.js";
import { YOUNG_GENERATION_CAP_FLAG } from "../../src/runtime/young-generation.js";
import { startServerCli } from "../support/cli.js";
import { bufferChurnScript, parseCollections } from "./support/buffer-churn.js";

const linux = process.platform === "linux";
const restartModule = new URL("../../src/cli/restart-for-large-messages.js", import.meta.url).href;

function untuned(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of Object.keys(env)) if (name.startsWith("MALLOC_") || name === "GLIBC_TUNABLES") delete env[name];
  return env;
}

/** The environment of a running process, as the kernel holds it. */
function environOf(pid: number): Map<string, string> {
  const entries = readFileSync(`/proc/${pid}/environ`, "latin1").split("\0").filter(Boolean);
  return new Map(entries.map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]));
}

/**
 * Minor page faults per 4 MiB message in a child process that assembles 8 messages at a time (a server with calls
 * in flight) and then lets a full GC free them, 12 times over.
 */
function pageFaultsPer4MiBMessage(env: NodeJS.ProcessEnv): number {
  const script = `
    const chunk = Buffer.alloc(65536, 7);
    const assemble = () => { const b = Buffer.allocUnsafe(4 << 20); for (let o = 0; o < b.length; o += chunk.length) chunk.copy(b, o); return b; };
    const batch = () => { let held = Array.from({ length: 8 }, assemble); const first = held[0][0]; held = null; globalThis.gc({ type: "major" }); return first; };
    for (let i = 0; i < 3; i++) batch();
    const before = process.resourceUsage().minorPageFault;
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += batch();
    console.log((process.resourceUsage().minorPageFault - before) / 96, sum > 0);
  `;
  const out = execFileSync(process.execPath, ["--expose-gc", "-e", script], { env, encoding: "utf8" });
  return Number(out.split(" ")[0]);
}

test("on Linux, with nothing tuned by the user, every setting is added and the user's flags kept", () => {
  const restart = largeMessageRestart({ env: { PATH: "/bin", GLIBC_TUNABLES: "glibc.cpu.hwcaps=-AVX2" }, execArgv: ["--enable-source-maps"], platform: "linux" });
  assert.equal(restart?.env.MALLOC_MMAP_THRESHOLD_, MALLOC_TUNING_ENV.MALLOC_MMAP_THRESHOLD_);
  assert.equal(restart?.env.MALLOC_TRIM_THRESHOLD_, MALLOC_TUNING_ENV.MALLOC_TRIM_THRESHOLD_);
  assert.equal(restart?.env.PATH, "/bin");
  assert.deepEqual(restart?.execArgv, [OLD_SPACE_FLAG, SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG, "--enable-source-maps"]);
});

test("the user's own malloc settings are kept and only the heap flags are added", () => {
  for (const env of [{ MALLOC_ARENA_MAX: "2" }, { MALLOC_TOP_PAD_: "0" }, { GLIBC_TUNABLES: "glibc.malloc.trim_threshold=0" }]) {
    const restart = largeMessageRestart({ env, execArgv: [], platform: "linux" });
    assert.deepEqual(restart?.env, env);
    assert.deepEqual(restart?.execArgv, [OLD_SPACE_FLAG, SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG]);
  }
});

test("a heap or young generation sized by the user (flag or NODE_OPTIONS) gets no flag of ours; other systems get no malloc settings", () => {
  assert.deepEqual(largeMessageRestart({ env: {}, execArgv: ["--initial-old-space-size=16"], platform: "linux" })?.execArgv, [SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG, "--initial-old-space-size=16"]);
  assert.deepEqual(largeMessageRestart({ env: { NODE_OPTIONS: "--initial_heap_size=32" }, execArgv: [], platform: "linux" })?.execArgv, [SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG]);
  assert.deepEqual(largeMessageRestart({ env: {}, execArgv: ["--max-semi-space-size=8"], platform: "linux" })?.execArgv, [OLD_SPACE_FLAG, "--max-semi-space-size=8"]);
  assert.deepEqual(largeMessageRestart({ env: {}, execArgv: ["--scavenger-max-new-space-capacity-mb=8"], platform: "linux" })?.execArgv, [OLD_SPACE_FLAG, "--scavenger-max-new-space-capacity-mb=8"]);
  assert.deepEqual(largeMessageRestart({ env: {}, execArgv: [], platform: "darwin" }), { env: {}, execArgv: [OLD_SPACE_FLAG, SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG] });
});

test("the restarted process, which has them all, does not restart again", () => {
  assert.equal(largeMessageRestart({ env: { ...MALLOC_TUNING_ENV }, execArgv: [OLD_SPACE_FLAG, SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG], platform: "linux" }), undefined);
  assert.equal(largeMessageRestart({ env: {}, execArgv: [OLD_SPACE_FLAG, SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG], platform: "darwin" }), undefined);
});

test("with the settings a 4 MiB buffer reuses warm memory: far fewer page faults than glibc's defaults", { skip: !linux }, () => {
  const defaults = pageFaultsPer4MiBMessage(untuned());
  const tuned = pageFaultsPer4MiBMessage({ ...untuned(), ...MALLOC_TUNING_ENV });
  assert.ok(defaults > 100, `glibc defaults: ${defaults} faults per 4 MiB (a fresh 4 MiB is 1,024 pages)`);
  assert.ok(tuned < defaults / 4, `tuned: ${tuned} faults per 4 MiB against ${defaults} with the defaults`);
});

test("fastgrpc-server restarts itself in place (same pid) with its settings", { skip: !linux }, async () => {
  const server = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--workers", "1", "--log-level", "warn"], 1, 30_000, untuned());
  try {
    const pid = server.child.pid ?? -1;
    const environ = environOf(pid);
    assert.equal(environ.get("MALLOC_TRIM_THRESHOLD_"), MALLOC_TUNING_ENV.MALLOC_TRIM_THRESHOLD_);
    assert.equal(environ.get("MALLOC_MMAP_THRESHOLD_"), MALLOC_TUNING_ENV.MALLOC_MMAP_THRESHOLD_);
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0");
    for (const flag of [OLD_SPACE_FLAG, SEMI_SPACE_FLAG, YOUNG_GENERATION_CAP_FLAG]) assert.ok(cmdline.includes(flag), `started again with ${flag}: ${cmdline.join(" ")}`);
  } finally {
    await server.stop();
  }
});

test("fastgrpc-server started with the user's own malloc setting keeps it and adds none", { skip: !linux }, async () => {
  const server = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--workers", "1", "--log-level", "warn"], 1, 30_000, { ...untuned(), MALLOC_ARENA_MAX: "2" });
  try {
    const environ = environOf(server.child.pid ?? -1);
    assert.equal(environ.get("MALLOC_ARENA_MAX"), "2");
    assert.equal(environ.has("MALLOC_TRIM_THRESHOLD_"), false);
  } finally {
    await server.stop();
  }
});

/** Major GCs in a script, restarted or not, that churns through 512 MB of 64 KiB buffers, 16 alive at a time. */
function majorCollectionsAfterRestart(restart: boolean): number {
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-restart-"));
  const script = join(dir, "churn.mjs");
  writeFileSync(script, bufferChurnScript(restart ? `import ${JSON.stringify(restartModule)};` : ""));
  try {
    return parseCollections(execFileSync(process.execPath, [script], { env: untuned(), encoding: "utf8" })).major;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("the restarted process keeps the young-generation cap: dead 64 KiB buffers do not start Mark-Compacts", { skip: process.execve === undefined }, () => {
  const restarted = majorCollectionsAfterRestart(true);
  const plain = majorCollectionsAfterRestart(false);
  assert.ok(restarted < plain, `restarted: ${restarted} Mark-Compacts, not restarted: ${plain}`);
  assert.ok(restarted <= 2, `restarted: ${restarted} Mark-Compacts for 512 MB of dead buffers`);
});
