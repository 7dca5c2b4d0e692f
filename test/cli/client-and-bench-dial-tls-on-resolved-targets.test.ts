// The CLIs with TLS on resolved targets: fastgrpc-client --ca (or --tls) with dns:/// and ipv4: targets dials every
// resolved address over TLS; on a tcp:// target those options are a usage error; fastgrpc-bench accepts --ca and
// --insecure with resolved targets too.
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandLine, UsageError } from "../../src/loadgen/options.js";
import { CLIENT_CLI, runCli, startServerCli } from "../support/cli.js";
import { makeTestPki } from "../tls/certificates.js";

test("fastgrpc-client --ca / --tls: dns:///localhost and ipv4: targets reach a tls:// server", async () => {
  const pki = makeTestPki();
  const server = await startServerCli(["--listen", "tls://127.0.0.1:0", "--tls-cert", join(pki.dir, "server.crt"), "--tls-key", join(pki.dir, "server.key"), "--log-level", "warn"]);
  try {
    const port = /:(\d+)$/.exec(server.urls[0] ?? "")?.[1] ?? "0";
    const ca = join(pki.dir, "ca.crt");
    for (const args of [["--target", `dns:///localhost:${port}`, "--ca", ca], ["--target", `ipv4:127.0.0.1:${port}`, "--tls", "--ca", ca]]) {
      const text = await runCli(CLIENT_CLI, ["echo", ...args, "--message", "resolved tls"]);
      assert.equal(text.code, 0, `${args.join(" ")}: ${text.stderr}`);
      assert.equal(text.stdout, "resolved tls\n");
    }
    // --tls alone trusts the system's CAs, which did not sign the test certificate: a clear failure, not a crash.
    const untrusted = await runCli(CLIENT_CLI, ["echo", "--target", `dns:///localhost:${port}`, "--tls", "--message", "x"]);
    assert.notEqual(untrusted.code, 0);
    assert.match(untrusted.stderr, /UNAVAILABLE/);
    assert.match(untrusted.stderr, /certificate/i);
    // Without TLS options a dns: target stays plaintext, which the TLS listener does not speak.
    const plaintext = await runCli(CLIENT_CLI, ["echo", "--target", `dns:///localhost:${port}`, "--message", "x", "--timeout", "3000"]);
    assert.notEqual(plaintext.code, 0);
  } finally {
    await server.stop("SIGTERM");
    pki.remove();
  }
});

test("fastgrpc-client: --tls or --ca on a tcp:// target is a usage error (exit 2)", async () => {
  for (const option of [["--tls"], ["--ca", "/nonexistent/ca.crt"]]) {
    const text = await runCli(CLIENT_CLI, ["echo", "--target", "tcp://127.0.0.1:1", ...option, "--message", "x"]);
    assert.equal(text.code, 2, text.stderr);
    assert.match(text.stderr, /apply to tls:\/\/, dns:, ipv4: and ipv6: targets only/);
  }
});

test("fastgrpc-bench: --ca and --insecure are accepted with dns:/ipv4: targets, refused with tcp://", () => {
  for (const argv of [["--target", "dns:///echo.local:443", "--ca", "ca.crt"], ["--target", "ipv4:10.0.0.1:443,10.0.0.2:443", "--insecure"]]) {
    const parsed = parseCommandLine(argv);
    assert.equal(parsed.help, false);
  }
  assert.throws(() => parseCommandLine(["--target", "tcp://127.0.0.1:1", "--ca", "ca.crt"]), (error: unknown) => error instanceof UsageError && /tls:\/\/ targets only \(and to dns:/.test(error.message));
});
