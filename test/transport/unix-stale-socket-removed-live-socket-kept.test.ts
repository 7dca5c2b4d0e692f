// Before listening on a unix socket file: a stale file (its process is gone, a connect is refused) is removed; a
// socket someone still listens on is never removed (listen fails with UnixSocketInUseError and that listener keeps
// its path); a regular file and an absent path are left alone.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseAddress } from "../../src/transport/address.js";
import { removeStaleSocket, unixTransport, UnixSocketInUseError } from "../../src/transport/unix.js";

/** A crashed server's leftover: a process binds the socket file and exits without removing it. */
function leaveStaleSocket(socketPath: string): void {
  execFileSync("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath]);
}

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-unix-probe-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const connects = (socketPath: string) => new Promise<boolean>((resolve) => {
  const socket = net.connect({ path: socketPath });
  socket.once("connect", () => { socket.destroy(); resolve(true); });
  socket.once("error", () => resolve(false));
});

test("a stale socket file (connect refused) is removed", () => withDir(async (dir) => {
  const socketPath = path.join(dir, "stale.sock");
  leaveStaleSocket(socketPath);
  assert.ok((await stat(socketPath)).isSocket());
  await removeStaleSocket(socketPath);
  await assert.rejects(stat(socketPath), /ENOENT/);
  leaveStaleSocket(socketPath);
  const listener = await unixTransport.listen(parseAddress(`unix://${socketPath}`), (socket) => socket.destroy());
  try {
    assert.equal(await connects(socketPath), true, "the same when listening on the URL: the stale file gave way to a live listener");
  } finally {
    await listener.close();
  }
}));

test("a live socket is never removed: listen fails with UnixSocketInUseError and the live server keeps serving", () => withDir(async (dir) => {
  const socketPath = path.join(dir, "live.sock");
  const live = net.createServer((socket) => {
    socket.on("error", () => undefined); // probes hang up at once
    socket.end("still here");
  });
  await new Promise<void>((resolve) => live.listen(socketPath, resolve));
  try {
    await assert.rejects(removeStaleSocket(socketPath), (error: unknown) => error instanceof UnixSocketInUseError && /is in use: another process listens on it/.test(error.message));
    await assert.rejects(unixTransport.listen(parseAddress(`unix://${socketPath}`), (socket) => socket.destroy()), UnixSocketInUseError);
    assert.ok((await stat(socketPath)).isSocket(), "the file is still there");
    assert.equal(await connects(socketPath), true, "and the live server still accepts on it");
  } finally {
    await new Promise<void>((resolve) => live.close(() => resolve()));
  }
}));

test("a regular file, an absent path and an abstract name are left alone", () => withDir(async (dir) => {
  const regular = path.join(dir, "file");
  await writeFile(regular, "keep me");
  await removeStaleSocket(regular);
  assert.equal((await stat(regular)).isFile(), true);
  await removeStaleSocket(path.join(dir, "absent.sock"));
  // An abstract name has no file to look at: listening on one skips the check.
  const abstract = await unixTransport.listen(parseAddress(`unix-abstract:fastgrpc-probe-test-${process.pid}`), (socket) => socket.destroy());
  await abstract.close();
}));
