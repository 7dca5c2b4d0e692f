// fastgrpc-server on unix:///PATH with --workers 2 (the primary binds, and hands connections in turns to itself and
// its worker: of 3 calls, the worker serves one): a stale socket file left by a crashed server is removed before the
// primary listens, and the server serves; a socket another process
// still listens on is never removed: the server exits non-zero with a clear error and the other one keeps its path.
// The same live-socket refusal with one process.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { CLIENT_CLI, runCli, SERVER_CLI, startServerCli } from "../support/cli.js";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-cli-stale-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test("--workers 2: a stale socket file is replaced and both processes serve on it", () => withDir(async (dir) => {
  const socketPath = path.join(dir, "echo.sock");
  execFileSync("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath]);
  assert.ok((await stat(socketPath)).isSocket());
  const server = await startServerCli(["--listen", `unix://${socketPath}`, "--workers", "2", "--log-level", "warn"]);
  try {
    for (let i = 0; i < 3; i++) {
      const reply = await runCli(CLIENT_CLI, ["echo", "--target", `unix://${socketPath}`, "--message", `call ${i}`]);
      assert.equal(reply.code, 0, reply.stderr);
      assert.equal(reply.stdout, `call ${i}\n`);
    }
  } finally {
    const stopped = await server.stop("SIGTERM");
    assert.equal(stopped.code, 0, stopped.stderr);
  }
}));

for (const workers of ["2", "1"]) {
  test(`--workers ${workers}: a socket another process listens on is kept, and the server exits 1 saying so`, () => withDir(async (dir) => {
    const socketPath = path.join(dir, "taken.sock");
    const live = net.createServer((socket) => {
      socket.on("error", () => undefined); // probes hang up at once
      socket.end();
    });
    await new Promise<void>((resolve) => live.listen(socketPath, resolve));
    try {
      const result = await runCli(SERVER_CLI, ["--listen", `unix://${socketPath}`, "--workers", workers, "--log-level", "silent"]);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /is in use: another process listens on it/);
      assert.doesNotMatch(result.stderr, /at .*\.js:\d+/, "a clear error, not a stack trace");
      assert.ok((await stat(socketPath)).isSocket(), "the live socket's file is still there");
      const stillServes = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ path: socketPath });
        socket.once("connect", () => { socket.destroy(); resolve(true); });
        socket.once("error", () => resolve(false));
      });
      assert.equal(stillServes, true);
    } finally {
      await new Promise<void>((resolve) => live.close(() => resolve()));
    }
  }));
}
