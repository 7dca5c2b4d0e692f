import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtemp, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { AddressError, formatAddress, parseAddress } from "../../src/transport/address.js";
import { unixTransport } from "../../src/transport/unix.js";

test("unix:///ABS, unix:PATH and unix-abstract:NAME parse as gRPC's naming document says, and format back", () => {
  assert.deepEqual(parseAddress("unix:///tmp/echo.sock"), { scheme: "unix", path: "/tmp/echo.sock", abstract: false });
  assert.deepEqual(parseAddress("unix:/tmp/echo.sock"), { scheme: "unix", path: "/tmp/echo.sock", abstract: false });
  assert.deepEqual(parseAddress("unix:run/echo.sock"), { scheme: "unix", path: "run/echo.sock", abstract: false });
  assert.deepEqual(parseAddress("unix-abstract:echo"), { scheme: "unix", path: "echo", abstract: true });
  assert.equal(formatAddress(parseAddress("unix:/tmp/echo.sock")), "unix:///tmp/echo.sock");
  assert.equal(formatAddress(parseAddress("unix:run/echo.sock")), "unix:run/echo.sock");
  assert.equal(formatAddress(parseAddress("unix-abstract:echo")), "unix-abstract:echo");
  assert.equal(parseAddress("unix:///tmp/x", true).scheme, "unix");
});

test("bad unix addresses are refused with a message naming the problem", () => {
  const cases: Array<[string, RegExp]> = [
    ["unix:", /empty path/],
    ["unix-abstract:", /empty name/],
    ["unix://relative/path", /absolute path/],
    [`unix:///${"x".repeat(120)}`, /longer than 107 bytes/],
    ["unix:/a\0b", /NUL byte/],
  ];
  for (const [url, pattern] of cases) {
    assert.throws(() => parseAddress(url), (error: unknown) => error instanceof AddressError && pattern.test(error.message), url);
  }
});

test("listening replaces a stale socket file but never a regular file", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-unix-stale-"));
  try {
    const socketPath = path.join(dir, "s.sock");
    // A crashed server's leftover: a process binds the socket file and exits without removing it.
    execFileSync("/usr/bin/python3", ["-c", "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", socketPath]);
    assert.ok((await stat(socketPath)).isSocket());
    const second = await unixTransport.listen(parseAddress(`unix://${socketPath}`), (socket) => socket.destroy());
    assert.ok((await stat(socketPath)).isSocket());
    await second.close();

    const regular = path.join(dir, "file");
    await writeFile(regular, "keep me");
    await assert.rejects(unixTransport.listen(parseAddress(`unix://${regular}`), (socket) => socket.destroy()), /EADDRINUSE/);
    assert.equal((await stat(regular)).isFile(), true);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
