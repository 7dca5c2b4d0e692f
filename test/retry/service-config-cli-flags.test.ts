// --service-config FILE on fastgrpc-client (a retried echo succeeds; a bad file is a usage error, exit 2) and on
// fastgrpc-bench's option parsing (the checked JSON reaches BenchOptions; a bad file is a UsageError naming the field).
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { UsageError, parseCommandLine } from "../../src/loadgen/options.js";
import { CLIENT_CLI, runCli } from "../support/cli.js";
import { scriptedServer } from "./support/scripted-server.js";

const RETRYING = {
  methodConfig: [{
    name: [{ service: "fastgrpc.echo.v1.EchoService" }],
    retryPolicy: { maxAttempts: 3, initialBackoff: "0.001s", maxBackoff: "0.001s", backoffMultiplier: 1, retryableStatusCodes: ["UNAVAILABLE"] },
  }],
};

function files(t: { after(fn: () => void): void }) {
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-service-config-"));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const write = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };
  return { good: write("good.json", JSON.stringify(RETRYING)), bad: write("bad.json", JSON.stringify({ methodConfig: [{ timeout: "soon" }] })) };
}

test("fastgrpc-client --service-config: the echo is retried after UNAVAILABLE and succeeds", async (t) => {
  const server = await scriptedServer((i) => (i < 2 ? { kind: "status", code: Code.UNAVAILABLE } : { kind: "echo" }));
  t.after(() => server.close());
  const { good } = files(t);
  const without = await runCli(CLIENT_CLI, ["echo", "--target", server.url, "--message", "hi"]);
  assert.equal(without.code, 1, "without the config the first UNAVAILABLE is the answer");
  const done = await runCli(CLIENT_CLI, ["echo", "--target", server.url, "--message", "hi", "--service-config", good]);
  assert.equal(done.code, 0, done.stderr);
  assert.equal(done.stdout, "hi\n");
  assert.equal(server.streams.length, 3, "1 without the config, 2 with it (UNAVAILABLE, then the retry)");
  assert.equal(server.streams[2]?.headers["grpc-previous-rpc-attempts"], "1");
});

test("fastgrpc-client --service-config with an invalid file exits 2 naming the field", async (t) => {
  const { bad } = files(t);
  const done = await runCli(CLIENT_CLI, ["echo", "--target", "tcp://127.0.0.1:1", "--message", "hi", "--service-config", bad]);
  assert.equal(done.code, 2);
  assert.match(done.stderr, /methodConfig\[0\]\.timeout/);
});

test("fastgrpc-bench --service-config: parsed into the options; invalid or missing files are usage errors", (t) => {
  const { good, bad } = files(t);
  const parsed = parseCommandLine(["--target", "tcp://127.0.0.1:1", "--service-config", good]);
  assert.equal(parsed.help, false);
  if (!parsed.help) assert.deepEqual(parsed.options.serviceConfig, RETRYING);
  assert.throws(() => parseCommandLine(["--target", "tcp://127.0.0.1:1", "--service-config", bad]), (e: unknown) => e instanceof UsageError && /timeout must be a duration/.test(e.message));
  assert.throws(() => parseCommandLine(["--target", "tcp://127.0.0.1:1", "--service-config", "/nonexistent.json"]), (e: unknown) => e instanceof UsageError && /cannot read/.test(e.message));
});
