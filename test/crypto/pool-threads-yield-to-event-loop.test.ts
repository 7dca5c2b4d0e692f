// The libuv pool threads that sign run at a lower priority than the event loop, thread by thread (Linux).
// Each case runs in a fresh process: whether the pool has started, and the threads' nice values, are per process.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { test } from "node:test";
import { promisify } from "node:util";
import { DEFAULT_POOL_NICE, lowerPoolThreadPriority, poolNiceFromEnv } from "../../src/crypto/thread-pool-priority.js";

const linuxOnly = { skip: process.platform !== "linux" ? "per-thread nice values are Linux only" : false };
const priorityModule = new URL("../../src/crypto/thread-pool-priority.js", import.meta.url).href;
const keyringModule = new URL("../../src/crypto/keyring.js", import.meta.url).href;
const algorithmsModule = new URL("../../src/crypto/algorithms.js", import.meta.url).href;

interface ThreadState {
  tid: number;
  name: string;
  nice: number;
}

interface ChildReport {
  result: { nice: number; poolThreads: number[]; lowered: number; skipped?: string };
  pid: number;
  threads: ThreadState[];
  extra?: unknown;
}

// Reads every thread's name and nice value (field 19 of /proc/self/task/<tid>/stat, counted after the name's ")").
const readThreads = `
  const { readdirSync, readFileSync } = await import("node:fs");
  const readThreads = () => readdirSync("/proc/self/task").map((tid) => {
    const stat = readFileSync("/proc/self/task/" + tid + "/stat", "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { tid: Number(tid), name: readFileSync("/proc/self/task/" + tid + "/comm", "latin1").trim(), nice: Number(fields[16]) };
  });
`;

async function inFreshProcess(body: string, env: Record<string, string | undefined> = {}): Promise<ChildReport> {
  const script = `${readThreads}\nconst priority = await import(${JSON.stringify(priorityModule)});\n${body}`;
  const childEnv: NodeJS.ProcessEnv = { ...process.env, UV_THREADPOOL_SIZE: "3", FASTGRPC_POOL_NICE: undefined, ...env };
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key];
  const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], { env: childEnv, timeout: 30_000 });
  return JSON.parse(stdout) as ChildReport;
}

const report = `process.stdout.write(JSON.stringify({ result, pid: process.pid, threads: readThreads(), extra: typeof extra === "undefined" ? null : extra }));`;

function poolThreads(report: ChildReport): ThreadState[] {
  return report.threads.filter((thread) => thread.name === "libuv-worker");
}

function mainThread(report: ChildReport): ThreadState | undefined {
  return report.threads.find((thread) => thread.tid === report.pid);
}

test("after yieldThreadPoolToEventLoop every pool thread runs at nice 19 and the event loop thread keeps nice 0", linuxOnly, async () => {
  const child = await inFreshProcess(`const result = await priority.yieldThreadPoolToEventLoop({ nice: 19 });\n${report}`);
  const pool = poolThreads(child);
  assert.equal(pool.length, 3, "UV_THREADPOOL_SIZE=3 gives three libuv-worker threads");
  assert.deepEqual(pool.map((thread) => thread.nice), [19, 19, 19]);
  assert.deepEqual([...child.result.poolThreads].sort(), pool.map((thread) => thread.tid).sort());
  assert.equal(child.result.lowered, 3);
  assert.equal(mainThread(child)?.nice, 0, "the event loop thread must keep its priority");
  for (const thread of child.threads) if (thread.name !== "libuv-worker") assert.equal(thread.nice, 0, `${thread.name} changed`);
});

test("after key generation started the pool, lowerPoolThreadPriority covers every pool thread and signing still works", linuxOnly, async () => {
  const child = await inFreshProcess(`
    const { generateKeyring } = await import(${JSON.stringify(keyringModule)});
    const { ALL_ALGORITHMS } = await import(${JSON.stringify(algorithmsModule)});
    const keyring = await generateKeyring();
    const result = priority.lowerPoolThreadPriority({ nice: 19 });
    const signed = await keyring.sign(ALL_ALGORITHMS[0], new Uint8Array([1, 2, 3]));
    const extra = { signatureBytes: signed.signature.length };
    ${report}`);
  assert.deepEqual(poolThreads(child).map((thread) => thread.nice), [19, 19, 19]);
  assert.equal(mainThread(child)?.nice, 0);
  assert.deepEqual(child.extra, { signatureBytes: 256 }, "an RSA-2048 signature from a reniced pool thread");
});

test("lowerPoolThreadPriority before the pool exists does nothing, throws nothing and does not start the pool", linuxOnly, async () => {
  const child = await inFreshProcess(`const result = priority.lowerPoolThreadPriority({ nice: 19 });\n${report}`);
  assert.equal(child.result.skipped, "no thread pool yet");
  assert.deepEqual(child.result.poolThreads, []);
  assert.equal(poolThreads(child).length, 0);
  for (const thread of child.threads) assert.equal(thread.nice, 0, `${thread.name} changed`);
});

test("FASTGRPC_POOL_NICE chooses the pool threads' nice value; 0 leaves them alone", linuxOnly, async () => {
  const startPool = `const { randomFill } = await import("node:crypto");\nawait new Promise((resolve) => randomFill(new Uint8Array(1), resolve));`;
  const seven = await inFreshProcess(`const result = await priority.yieldThreadPoolToEventLoop();\n${report}`, { FASTGRPC_POOL_NICE: "7" });
  assert.deepEqual(poolThreads(seven).map((thread) => thread.nice), [7, 7, 7]);
  const off = await inFreshProcess(`${startPool}\nconst result = await priority.yieldThreadPoolToEventLoop();\n${report}`, { FASTGRPC_POOL_NICE: "0" });
  assert.equal(poolThreads(off).length, 3);
  assert.deepEqual(poolThreads(off).map((thread) => thread.nice), [0, 0, 0]);
  assert.equal(off.result.skipped, "FASTGRPC_POOL_NICE=0");
  const unset = await inFreshProcess(`const result = await priority.yieldThreadPoolToEventLoop();\n${report}`);
  assert.deepEqual(poolThreads(unset).map((thread) => thread.nice), [DEFAULT_POOL_NICE, DEFAULT_POOL_NICE, DEFAULT_POOL_NICE]);
});

test("an invalid FASTGRPC_POOL_NICE falls back to the default instead of failing", linuxOnly, async () => {
  const child = await inFreshProcess(`const result = await priority.yieldThreadPoolToEventLoop();\n${report}`, { FASTGRPC_POOL_NICE: "lots" });
  assert.equal(child.result.nice, DEFAULT_POOL_NICE);
  assert.deepEqual(poolThreads(child).map((thread) => thread.nice), [DEFAULT_POOL_NICE, DEFAULT_POOL_NICE, DEFAULT_POOL_NICE]);
});

test("poolNiceFromEnv accepts 0..19 and an unset value, and names the problem otherwise", () => {
  assert.deepEqual(poolNiceFromEnv(undefined), { nice: DEFAULT_POOL_NICE });
  assert.deepEqual(poolNiceFromEnv(""), { nice: DEFAULT_POOL_NICE });
  assert.deepEqual(poolNiceFromEnv("0"), { nice: 0 });
  assert.deepEqual(poolNiceFromEnv("19"), { nice: 19 });
  for (const bad of ["20", "-1", "1.5", "high"]) {
    const setting = poolNiceFromEnv(bad);
    assert.ok("error" in setting, `"${bad}" must be refused`);
    assert.match(setting.error, /FASTGRPC_POOL_NICE must be an integer from 0 to 19/);
  }
});

test("without /proc or off Linux, lowering the pool's priority is a no-op that says why", () => {
  const noProc = lowerPoolThreadPriority({ nice: 19, taskDir: "/nonexistent/proc/self/task", platform: "linux" });
  assert.deepEqual(noProc, { nice: 19, poolThreads: [], lowered: 0, skipped: "cannot list the process's threads" });
  const mac = lowerPoolThreadPriority({ nice: 19, platform: "darwin" });
  assert.deepEqual(mac, { nice: 19, poolThreads: [], lowered: 0, skipped: "per-thread priority is Linux only" });
});
