/**
 * The vsock listener under workers wraps an inherited fd in libuv's Pipe handle, found through a throwaway unix
 * socket server (src/transport/vsock-handle.ts). In a cluster worker that listen() must not go through the primary:
 * it once did, and the late answer crashed the worker with an uncaught TypeError in cluster's listenOnPrimaryHandle.
 * Needs no vsock: runs on the host.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";

const handleModule = new URL("../../src/transport/vsock-handle.js", import.meta.url).href;

const script = `
import cluster from "node:cluster";
if (cluster.isPrimary) {
  const worker = cluster.fork();
  worker.on("message", (m) => console.log("source=" + m));
  worker.on("exit", (code) => console.log("exit=" + code));
} else {
  process.on("uncaughtException", (e) => { console.log("uncaught=" + e.message); process.exit(3); });
  const { pipeSource } = await import(${JSON.stringify(handleModule)});
  process.send(pipeSource());
  // give a late cluster answer time to arrive (it used to, and crashed the worker)
  setTimeout(() => process.exit(0), 700);
}
`;

test("a cluster worker finds the Pipe handle constructor synchronously, without a crash", async () => {
  // cluster.fork() re-runs the main module: it must be a file, not -e
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-cluster-"));
  const file = join(dir, "cluster-pipe.mjs");
  writeFileSync(file, script);
  let out = "";
  let code: number | null;
  try {
    const child = spawn(process.execPath, [file], { stdio: ["ignore", "pipe", "pipe"] });
    child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
    code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  assert.equal(code, 0, out);
  assert.match(out, /source=unix-server/, out);
  assert.match(out, /exit=0/, out);
  assert.doesNotMatch(out, /uncaught=/, out);
});
