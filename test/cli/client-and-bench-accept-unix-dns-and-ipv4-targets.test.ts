// The CLIs with the target forms of docs/fleet.md: fastgrpc-server listens on unix:///PATH, fastgrpc-client reaches
// it there and over dns:///localhost and ipv4: lists; fastgrpc-bench accepts the same names and refuses bad ones.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { parseCommandLine, UsageError } from "../../src/loadgen/options.js";
import { CLIENT_CLI, runCli, startServerCli } from "../support/cli.js";

test("fastgrpc-server listens on unix:///PATH and fastgrpc-client echoes over unix:, dns:/// and ipv4: targets", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-cli-unix-"));
  const socket = path.join(dir, "echo.sock");
  const server = await startServerCli(["--listen", `unix://${socket}`, "--listen", "tcp://127.0.0.1:0", "--log-level", "warn"], 2);
  try {
    assert.ok(server.urls.includes(`unix://${socket}`), server.urls.join(" "));
    const port = /:(\d+)$/.exec(server.urls.find((url) => url.startsWith("tcp://")) ?? "")?.[1] ?? "0";
    for (const target of [`unix://${socket}`, `unix:${socket}`, `dns:///localhost:${port}`, `ipv4:127.0.0.1:${port}`]) {
      const text = await runCli(CLIENT_CLI, ["echo", "--target", target, "--message", "fleet"]);
      assert.equal(text.code, 0, `${target}: ${text.stderr}`);
      assert.equal(text.stdout, "fleet\n");
    }
  } finally {
    await server.stop("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
});

test("fastgrpc-client: a bad target name is a usage error (exit 2, one line)", async () => {
  const text = await runCli(CLIENT_CLI, ["echo", "--target", "dns://8.8.8.8/svc:1", "--message", "x"]);
  assert.equal(text.code, 2, text.stderr);
  assert.match(text.stderr, /DNS server authority/);
});

test("fastgrpc-bench --target takes unix:, unix-abstract:, ipv4:, ipv6: and dns:/// names, and refuses bad ones", () => {
  for (const target of ["unix:///tmp/echo.sock", "unix-abstract:echo", "ipv4:127.0.0.1:1,127.0.0.2:1", "ipv6:[::1]:1", "dns:///echo.local:50051"]) {
    const parsed = parseCommandLine(["--target", target]);
    assert.equal(parsed.help, false, target);
    if (!parsed.help) assert.deepEqual(parsed.options.targets, [target]);
  }
  const refused: Array<[string[], RegExp]> = [
    [["--target", "dns:///a:1", "--target", "tcp://127.0.0.1:1"], /only target/],
    [["--target", "ipv4:nope:1"], /not an IPv4 address/],
    [["--target", "unix:"], /empty path/],
  ];
  for (const [argv, pattern] of refused) {
    assert.throws(() => parseCommandLine(argv), (error: unknown) => error instanceof UsageError && pattern.test(error.message), argv.join(" "));
  }
});
