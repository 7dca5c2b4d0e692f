// Footprint (issue 12): a multi-worker server's primary serves beside its workers (no idle process), so --workers 2
// is two processes; each loads the engine it runs and not the other one, and no signing thread before the first
// Sign. Every process of a real fastgrpc-server records the modules it
// loads (support/record-loaded-modules.ts).
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import * as cliNames from "../../src/cli/engine-names.js";
import * as registry from "../../src/engine/registry.js";

const SERVER = fileURLToPath(new URL("../../src/cli/server.js", import.meta.url));
const RECORDER = new URL("./support/record-loaded-modules.js", import.meta.url).href;

interface ServerModules {
  primary: string[];
  workers: string[][];
}

async function modulesOfServer(args: string[]): Promise<ServerModules> {
  const dir = await mkdtemp(join(tmpdir(), "fastgrpc-modules-"));
  try {
    const child = spawn(process.execPath, ["--import", RECORDER, SERVER, "--listen", "tcp://127.0.0.1:0", "--log-level", "warn", ...args], {
      env: { ...process.env, FASTGRPC_MODULE_LOG_DIR: dir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    let output = "";
    child.stderr.on("data", (chunk: Buffer) => { output += chunk.toString(); });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the server did not listen within 30 s:\n${output}`)), 30_000);
      child.stdout.on("data", (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes("listening on")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on("exit", () => {
        clearTimeout(timer);
        reject(new Error(`the server exited before it listened:\n${output}`));
      });
    });
    child.kill("SIGTERM");
    assert.equal(await exited, 0, "the server drains and exits 0");
    const read = async (name: string) => (await readFile(join(dir, name), "utf8")).split("\n").filter((line) => line !== "");
    const files = await readdir(dir);
    const primaryFile = `${child.pid}.txt`;
    assert.ok(files.includes(primaryFile), "the primary recorded its modules");
    return { primary: await read(primaryFile), workers: await Promise.all(files.filter((name) => name !== primaryFile).map(read)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function loaded(modules: readonly string[], fragment: string): string[] {
  return modules.filter((url) => url.includes(fragment));
}

test("--workers 2 is two serving processes: each loads the server and the own engine, not node:http2's nor a signing thread", { timeout: 90_000 }, async () => {
  const { primary, workers } = await modulesOfServer(["--workers", "2"]);
  assert.equal(workers.length, 1, "the primary and one worker: no idle process");
  for (const modules of [primary, ...workers]) {
    assert.equal(loaded(modules, "/src/server/server.js").length, 1, "every process loads the server");
    assert.ok(loaded(modules, "/src/engine/h2/").length > 0, "every process loads the engine it runs");
    assert.deepEqual(loaded(modules, "/src/engine/node/"), [], "the default engine's processes do not load node:http2's engine");
    assert.deepEqual(loaded(modules, "node:http2"), []);
    assert.deepEqual(loaded(modules, "/src/crypto/signing-thread.js"), [], "signing threads start at the first Sign, not before");
  }
});

test("--engine node: every process loads the node:http2 engine", { timeout: 90_000 }, async () => {
  const { primary, workers } = await modulesOfServer(["--workers", "2", "--engine", "node"]);
  for (const modules of [primary, ...workers]) assert.equal(loaded(modules, "/src/engine/node/server.js").length, 1, "the chosen engine is loaded");
});

test("the CLI's --engine names (which spare each process the engine it does not run) are the registry's, default included", () => {
  assert.deepEqual([...cliNames.ENGINE_NAMES], [...registry.ENGINE_NAMES]);
  assert.equal(cliNames.DEFAULT_ENGINE, registry.DEFAULT_ENGINE);
  for (const name of ["h2", "node", "nope", ""]) assert.equal(cliNames.isEngineName(name), registry.isEngineName(name));
});
