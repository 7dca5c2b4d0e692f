/**
 * N serving processes share the cores instead of each starting threads for every core: the primary and each worker
 * get ceil(cores / N) signing threads (worker_threads) and as many libuv pool threads (here 2 cores, --workers 2:
 * 1 each), all lowered to nice 19. Linux only (/proc).
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import os from "node:os";
import { test } from "node:test";
import { CLIENT_CLI, runCli, startServerCli } from "../support/cli.js";

function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const file = `/proc/${pid}/task/${tid}/children`;
    if (!existsSync(file)) continue;
    for (const child of readFileSync(file, "utf8").trim().split(/\s+/)) if (child !== "") out.push(Number(child));
  }
  return out;
}

/** The nice values of a process's threads with this name (libuv's pool: "libuv-worker"; worker_threads: "WorkerThread"). */
function threadNices(pid: number, name: string): number[] {
  const nices: number[] = [];
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim() !== name) continue;
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      nices.push(Number(fields[16])); // field 19 of stat; 17th after "(comm) "
    } catch {
      // the thread ended between readdir and read
    }
  }
  return nices;
}

const linux = process.platform === "linux" && existsSync(`/proc/${process.pid}/task/${process.pid}/children`);

/** The signing threads start at a worker's first Sign: wait until they are all there and lowered. */
async function settledThreadNices(pid: number, name: string, expected: number): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  let nices = threadNices(pid, name);
  while (Date.now() < deadline && (nices.length < expected || nices.some((nice) => nice !== 19))) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    nices = threadNices(pid, name);
  }
  return nices;
}

test("--workers 2 on this machine: the primary and its worker each run ceil(cores / 2) signing threads and pool threads at nice 19", { skip: !linux && "needs Linux /proc" }, async () => {
  const server = await startServerCli(["--workers", "2", "--listen", "tcp://127.0.0.1:0", "--log-level", "warn"], 1, 60_000);
  try {
    const primary = server.child.pid ?? 0;
    const workers = childPids(primary);
    assert.equal(workers.length, 1, `worker processes: ${workers.join(",")}`);
    const serving = [primary, ...workers];
    const expected = Math.max(1, Math.ceil(os.availableParallelism() / 2));
    // Signing threads start at a process's first Sign: one call per new connection, handed round-robin to the
    // primary and its worker.
    for (let call = 0; call < 4; call++) {
      const signed = await runCli(CLIENT_CLI, ["sign", "--target", server.urls[0] ?? "", "--key-type", "ed25519", "--algorithm", "ed25519", "--data", "x"]);
      assert.equal(signed.code, 0, signed.stderr);
    }
    for (const pid of serving) {
      const nices = threadNices(pid, "libuv-worker");
      assert.equal(nices.length, expected, `worker ${pid}: ${nices.length} pool threads`);
      assert.ok(nices.every((nice) => nice === 19), `worker ${pid}: nices ${nices.join(",")}`);
      const signing = await settledThreadNices(pid, "WorkerThread", expected);
      assert.equal(signing.length, expected, `worker ${pid}: ${signing.length} signing threads`);
      assert.ok(signing.every((nice) => nice === 19), `worker ${pid}: signing thread nices ${signing.join(",")}`);
    }
  } finally {
    const finished = await server.stop("SIGTERM");
    assert.equal(finished.code, 0, finished.stderr);
  }
});
