/** The executables as a user runs them: start-up lines, exit codes, one-line errors, SIGTERM. */
import assert from "node:assert/strict";
import { writeFile, mkdtemp } from "node:fs/promises";
import os from "node:os";
import { usableCores } from "../../src/cli/cpu-quota.js";
import path from "node:path";
import { test } from "node:test";
import { CLIENT_CLI, SERVER_CLI, runCli, serverLogLines, startServerCli } from "../support/cli.js";

test("fastgrpc-server prints where it listens and fastgrpc-client echoes through it", async () => {
  const server = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--log-level", "warn"]);
  try {
    const url = server.urls[0] ?? "";
    assert.match(url, /^tcp:\/\/127\.0\.0\.1:\d+$/);
    const text = await runCli(CLIENT_CLI, ["echo", "--target", url, "--message", "hello cli"]);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, "hello cli\n");

    const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-cli-"));
    const file = path.join(dir, "payload.bin");
    await writeFile(file, Buffer.from([0, 1, 2, 255]));
    const binary = await runCli(CLIENT_CLI, ["echo", "--target", url, "--payload-file", file]);
    assert.equal(binary.code, 0, binary.stderr);
    assert.deepEqual(binary.stdoutBytes, Buffer.from([0, 1, 2, 255]));
  } finally {
    const finished = await server.stop("SIGTERM");
    assert.equal(finished.code, 0, "SIGTERM ends the server with exit code 0");
  }
});

test("fastgrpc-client reports a failed call with its status name and exit code 1", async () => {
  const result = await runCli(CLIENT_CLI, ["echo", "--target", "tcp://127.0.0.1:1", "--message", "x", "--timeout", "2000"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /^error: UNAVAILABLE: /);
  assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
});

test("fastgrpc-client refuses bad usage with exit code 2", async () => {
  for (const args of [["echo", "--message", "x", "--payload-file", "y"], ["echo", "--target", "nope", "--message", "x"], ["echo", "--bogus"], ["frobnicate"], ["echo", "--message", "x", "--timeout", "soon"]]) {
    const result = await runCli(CLIENT_CLI, args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.doesNotMatch(result.stderr, /\n\s+at /, "no stack trace");
  }
});

test("fastgrpc-server: a port in use or a bad URL gives one clear line and a non-zero exit", async () => {
  const first = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--log-level", "warn"]);
  try {
    const busy = await runCli(SERVER_CLI, ["--listen", first.urls[0] ?? "", "--log-level", "warn"]);
    assert.notEqual(busy.code, 0);
    assert.match(busy.stderr, /cannot listen on tcp:\/\/127\.0\.0\.1:\d+: .*address already in use/);
    assert.equal(busy.stderr.trim().split("\n").length, 1, busy.stderr);
  } finally {
    await first.stop();
  }
  const bad = await runCli(SERVER_CLI, ["--listen", "udp://1.2.3.4:5"]);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /unsupported scheme "udp"/);
  const level = await runCli(SERVER_CLI, ["--log-level", "loud"]);
  assert.equal(level.code, 2);
  assert.match(level.stderr, /--log-level must be one of/);
});

test("fastgrpc-server --help documents its options", async () => {
  const help = await runCli(SERVER_CLI, ["--help"]);
  assert.equal(help.code, 0);
  for (const option of ["--listen", "--log-level", "--max-message-bytes", "--shutdown-grace-ms"]) assert.ok(help.stdout.includes(option), option);
});

test("fastgrpc-server --metrics-listen serves Prometheus counts of the calls made", async () => {
  const server = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--metrics-listen", "tcp://127.0.0.1:0", "--log-level", "warn"], 1);
  try {
    for (let i = 0; i < 50 && !/metrics on (\S+)/.test(server.stdout()); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    const metricsUrl = /metrics on tcp:\/\/(\S+)/.exec(server.stdout())?.[1];
    assert.ok(metricsUrl, server.stdout());
    for (let i = 0; i < 3; i++) {
      const call = await runCli(CLIENT_CLI, ["echo", "--target", server.urls[0] ?? "", "--message", "counted"]);
      assert.equal(call.code, 0, call.stderr);
    }
    const text = await (await fetch(`http://${metricsUrl}/metrics`)).text();
    assert.match(text, /grpc_server_handled_total\{[^}]*grpc_method="Echo"[^}]*grpc_code="OK"[^}]*\} 3\b/);
  } finally {
    assert.equal((await server.stop()).code, 0);
  }
});

test("fastgrpc-server refuses inconsistent TLS and allowlist options with exit code 2", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["--listen", "tls://127.0.0.1:0"], /tls:\/\/ listener needs --tls-cert and --tls-key/],
    [["--tls-cert", "a.pem"], /--tls-cert and --tls-key go together/],
    [["--allow-cid", "3"], /--allow-cid needs a vsock:\/\/ listener/],
    [["--listen", "tls://127.0.0.1:0", "--tls-cert", "/nonexistent.pem", "--tls-key", "/nonexistent.pem"], /--tls-cert/],
  ];
  for (const [args, pattern] of cases) {
    const result = await runCli(SERVER_CLI, args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, pattern);
    assert.equal(result.stderr.trim().split("\n").length, 1, "one line");
  }
});

test("fastgrpc-server signs on signing threads by default and on libuv's pool with --signing-threads 0", async () => {
  // The default is one thread per core (this process serves alone with --workers 1; cores capped by a cgroup quota).
  const cases: Array<[string[], number]> = [[[], usableCores()], [["--signing-threads", "0"], 0], [["--signing-threads", "3"], 3]];
  for (const [args, threads] of cases) {
    const server = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--log-level", "debug", "--workers", "1", ...args]);
    try {
      const url = server.urls[0] ?? "";
      const signed = await runCli(CLIENT_CLI, ["sign", "--target", url, "--key-type", "ec-p256", "--algorithm", "ecdsa-p256-sha256-fixed", "--data", "cli", "--verify"]);
      assert.equal(signed.code, 0, signed.stderr);
      // The threads start at the first Sign (that one is signed on libuv's pool meanwhile): wait for their log line.
      let started = serverLogLines(server).filter((line) => line.msg === "signing threads started");
      for (let waited = 0; threads > 0 && started.length === 0 && waited < 100; waited++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        started = serverLogLines(server).filter((line) => line.msg === "signing threads started");
      }
      if (threads === 0) {
        assert.equal(started.length, 0, "no signing threads with --signing-threads 0");
      } else {
        assert.equal(started.length, 1, server.stderr());
        const logged = started[0]?.threads;
        assert.ok(Array.isArray(logged), server.stderr());
        assert.equal(logged.length, threads);
      }
    } finally {
      await server.stop("SIGTERM");
    }
  }
  for (const bad of ["-1", "x", "257"]) {
    const result = await runCli(SERVER_CLI, ["--signing-threads", bad]);
    assert.equal(result.code, 2, `--signing-threads ${bad}: ${result.stderr}`);
    assert.match(result.stderr, /--signing-threads/);
  }
});
