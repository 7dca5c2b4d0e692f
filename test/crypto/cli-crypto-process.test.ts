// The compiled fastgrpc-client binary dispatches sign, pubkey and verify (run as a child process, as users run it).
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import { startCryptoServer, type RunningCryptoServer } from "./helpers/crypto-server.js";

const CLI = fileURLToPath(new URL("../../bin/client.js", import.meta.url));
let server: RunningCryptoServer | undefined;

before(async () => {
  server = await startCryptoServer();
});
after(async () => {
  await server?.stop();
});

function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
      resolve({ code, stdout, stderr });
    });
  });
}

function target(): string[] {
  if (server === undefined) throw new Error("server not started");
  return ["--target", server.url];
}

test("fastgrpc-client sign --verify signs with RSA and with ECC and verifies both", async () => {
  for (const [keyType, algorithm] of [["rsa", "rsa-pss-sha256"], ["ec-p256", "ecdsa-p256-sha256-fixed"]] as const) {
    const result = await cli(["sign", ...target(), "--key-type", keyType, "--algorithm", algorithm, "--data", "hello", "--verify"]);
    assert.equal(result.stderr, "");
    assert.equal(result.code, 0);
    assert.match(result.stdout, /^signature: [A-Za-z0-9+/]+=*\nkey-id: [0-9a-f]{64}\nverified: ok\n$/);
  }
});

test("fastgrpc-client pubkey --pem prints the PEM, and verify reports validity through its exit code", async () => {
  const pem = await cli(["pubkey", ...target(), "--key-type", "ed25519", "--pem"]);
  assert.equal(pem.code, 0, pem.stderr);
  assert.match(pem.stdout, /^-----BEGIN PUBLIC KEY-----\n/);
  const signed = await cli(["sign", ...target(), "--key-type", "ed25519", "--algorithm", "ed25519", "--data", "abc"]);
  const signature = /^signature: (\S+)$/m.exec(signed.stdout)?.[1] ?? "";
  const base = ["verify", ...target(), "--key-type", "ed25519", "--algorithm", "ed25519", "--signature", signature];
  assert.deepEqual(await cli([...base, "--data", "abc"]), { code: 0, stdout: "valid: true\n", stderr: "" });
  assert.deepEqual(await cli([...base, "--data", "abd"]), { code: 1, stdout: "valid: false\n", stderr: "" });
});

test("fastgrpc-client crypto errors: one line, exit 1 for a status, exit 2 for bad usage, never a stack trace", async () => {
  const mismatch = await cli(["sign", ...target(), "--key-type", "ed25519", "--algorithm", "rsa-pss-sha256", "--data", "x"]);
  assert.equal(mismatch.code, 1);
  assert.match(mismatch.stderr, /^error: INVALID_ARGUMENT: algorithm SIGNATURE_ALGORITHM_RSA_PSS_SHA256 does not fit key type KEY_TYPE_ED25519/);
  const usage = await cli(["sign", ...target(), "--key-type", "dsa", "--algorithm", "ed25519", "--data", "x"]);
  assert.equal(usage.code, 2);
  assert.match(usage.stderr, /^error: --key-type must be one of/);
  for (const output of [mismatch.stderr, usage.stderr]) assert.doesNotMatch(output, /\n\s+at /);
});
