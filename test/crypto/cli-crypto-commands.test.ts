// fastgrpc-client's sign, pubkey and verify commands, run in-process against a real server on loopback.
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { cryptoCommands } from "../../src/cli/crypto-commands.js";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { ALGORITHM_NAMES, KEY_TYPE_NAMES, algorithmFromName, getPublicKey, keyTypeFromName, keyTypeToName, verifyLocally } from "../../src/client/crypto-client.js";
import { algorithmSpec } from "../../src/crypto/algorithms.js";
import { captureIo } from "./helpers/capture.js";
import { startCryptoServer, type RunningCryptoServer } from "./helpers/crypto-server.js";
import { opensslVerifies } from "./helpers/openssl.js";

let server: RunningCryptoServer | undefined;
const dir = mkdtempSync(join(tmpdir(), "fastgrpc-cli-crypto-"));

before(async () => {
  server = await startCryptoServer({ maxMessageBytes: 64 * 1024 });
});
after(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function url(): string {
  if (server === undefined) throw new Error("server not started");
  return server.url;
}

async function run(command: string, args: string[]) {
  const io = captureIo();
  const handler = cryptoCommands[command];
  assert.ok(handler, `no command ${command}`);
  const code = await handler.run(args, io);
  return { code, out: io.out(), err: io.err() };
}

function field(output: string, name: string): string {
  const match = new RegExp(`^${name}: (.*)$`, "m").exec(output);
  assert.ok(match?.[1] !== undefined, `no "${name}:" line in ${JSON.stringify(output)}`);
  return match[1];
}

test("CLI names cover every key type and algorithm, in the documented spelling", () => {
  assert.deepEqual(KEY_TYPE_NAMES, ["rsa", "ec-p256", "ec-p384", "ed25519"]);
  assert.deepEqual(ALGORITHM_NAMES, [
    "rsa-pkcs1-sha256", "rsa-pkcs1-sha384", "rsa-pkcs1-sha512", "rsa-pss-sha256", "rsa-pss-sha384", "rsa-pss-sha512",
    "ecdsa-p256-sha256-asn1", "ecdsa-p256-sha256-fixed", "ecdsa-p384-sha384-asn1", "ecdsa-p384-sha384-fixed", "ed25519",
  ]);
  for (const name of ALGORITHM_NAMES) assert.ok(algorithmSpec(algorithmFromName(name) ?? 0), name);
  assert.equal(keyTypeFromName("ec-p384"), KeyType.EC_P384);
  assert.equal(keyTypeFromName("EC-P384"), undefined);
});

for (const name of ALGORITHM_NAMES) {
  const algorithm = algorithmFromName(name) ?? SignatureAlgorithm.UNSPECIFIED;
  const spec = algorithmSpec(algorithm);
  const keyTypeName = keyTypeToName(spec?.keyType ?? KeyType.UNSPECIFIED);
  test(`sign --algorithm ${name} --verify prints a signature OpenSSL accepts, the key id and "verified: ok"`, async () => {
    const result = await run("sign", ["--target", url(), "--key-type", keyTypeName, "--algorithm", name, "--data", "hello from the CLI", "--verify"]);
    assert.equal(result.err, "");
    assert.equal(result.code, 0);
    const signature = Buffer.from(field(result.out, "signature"), "base64");
    const keyId = field(result.out, "key-id");
    assert.equal(field(result.out, "verified"), "ok");
    const pub = await getPublicKey(running().client, spec?.keyType ?? KeyType.RSA);
    assert.equal(keyId, pub.keyId);
    assert.equal(opensslVerifies(algorithm, pub.pem, Buffer.from("hello from the CLI"), signature), true);
  });
}

function running(): RunningCryptoServer {
  if (server === undefined) throw new Error("server not started");
  return server;
}

test("sign --data-file signs the file's bytes, and verify says valid (exit 0) or invalid (exit 1)", async () => {
  const file = join(dir, "data.bin");
  const bytes = Buffer.from([0, 1, 2, 255, 254, 10, 13]);
  writeFileSync(file, bytes);
  const signed = await run("sign", ["--target", url(), "--key-type", "ec-p256", "--algorithm", "ecdsa-p256-sha256-fixed", "--data-file", file]);
  assert.equal(signed.code, 0, signed.err);
  const signature = field(signed.out, "signature");
  assert.doesNotMatch(signed.out, /verified/);
  const { spkiDer } = await getPublicKey(running().client, KeyType.EC_P256);
  assert.equal(verifyLocally(spkiDer, SignatureAlgorithm.ECDSA_P256_SHA256_FIXED, bytes, Buffer.from(signature, "base64")), true);

  const common = ["--target", url(), "--key-type", "ec-p256", "--algorithm", "ecdsa-p256-sha256-fixed", "--signature", signature];
  const valid = await run("verify", [...common, "--data-file", file]);
  assert.deepEqual(valid, { code: 0, out: "valid: true\n", err: "" });
  const invalid = await run("verify", [...common, "--data", "other data"]);
  assert.deepEqual(invalid, { code: 1, out: "valid: false\n", err: "" });
});

test("pubkey prints the key id and SPKI DER, or the PEM with --pem", async () => {
  const pub = await getPublicKey(running().client, KeyType.ED25519);
  const plain = await run("pubkey", ["--target", url(), "--key-type", "ed25519"]);
  assert.equal(plain.code, 0, plain.err);
  assert.equal(plain.out, `key-id: ${pub.keyId}\nspki-der: ${Buffer.from(pub.spkiDer).toString("base64")}\n`);
  const pem = await run("pubkey", ["--target", url(), "--key-type", "ed25519", "--pem"]);
  assert.equal(pem.code, 0, pem.err);
  assert.equal(pem.out, pub.pem);
  assert.match(pem.out, /^-----BEGIN PUBLIC KEY-----\n[\s\S]+-----END PUBLIC KEY-----\n$/);
});

test("a status from the server is one line 'error: CODE: message' and exit 1", async () => {
  const result = await run("sign", ["--target", url(), "--key-type", "rsa", "--algorithm", "ed25519", "--data", "x"]);
  assert.equal(result.code, 1);
  assert.equal(result.out, "");
  assert.equal(result.err, "error: INVALID_ARGUMENT: algorithm SIGNATURE_ALGORITHM_ED25519 does not fit key type KEY_TYPE_RSA (it needs KEY_TYPE_ED25519)\n");
  const big = join(dir, "big.bin");
  writeFileSync(big, Buffer.alloc(64 * 1024 + 1));
  const tooBig = await run("sign", ["--target", url(), "--key-type", "ed25519", "--algorithm", "ed25519", "--data-file", big]);
  assert.equal(tooBig.code, 1);
  assert.match(tooBig.err, /^error: RESOURCE_EXHAUSTED: .+\n$/);
});

test("an unreachable server is 'error: UNAVAILABLE: ...' and exit 1", async () => {
  // Port 1 on loopback has no listener here; the connection is refused at once.
  const result = await run("pubkey", ["--target", "tcp://127.0.0.1:1", "--key-type", "rsa", "--timeout", "2000"]);
  assert.equal(result.code, 1);
  assert.match(result.err, /^error: UNAVAILABLE: .+\n$/);
  assert.doesNotMatch(result.err, /\n\s+at /, "no stack trace");
});

test("bad usage is exit 2 with one error line and a usage line, before any call", async () => {
  const cases: [string, string[], RegExp][] = [
    ["sign", ["--key-type", "dsa", "--algorithm", "ed25519", "--data", "x"], /--key-type must be one of rsa\|ec-p256\|ec-p384\|ed25519, got "dsa"/],
    ["sign", ["--key-type", "rsa", "--algorithm", "rsa-pss-sha1", "--data", "x"], /--algorithm must be one of .*, got "rsa-pss-sha1"/],
    ["sign", ["--algorithm", "ed25519", "--data", "x"], /--key-type is required/],
    ["sign", ["--key-type", "rsa", "--data", "x"], /--algorithm is required/],
    ["sign", ["--key-type", "ed25519", "--algorithm", "ed25519"], /exactly one of --data TEXT or --data-file FILE/],
    ["sign", ["--key-type", "ed25519", "--algorithm", "ed25519", "--data", "x", "--data-file", "y"], /exactly one of/],
    ["sign", ["--key-type", "ed25519", "--algorithm", "ed25519", "--data-file", join(dir, "missing.bin")], /cannot read --data-file/],
    ["sign", ["--key-type", "ed25519", "--algorithm", "ed25519", "--data", "x", "--timeout", "soon"], /--timeout must be a whole number/],
    ["sign", ["--key-type", "ed25519", "--algorithm", "ed25519", "--data", "x", "--target", "http://x"], /http:\/\/x/],
    ["sign", ["--key-type", "ed25519", "--algorithm", "ed25519", "--data", "x", "--colour"], /Unknown option '--colour'/],
    ["pubkey", ["--key-type"], /--key-type/],
    ["verify", ["--key-type", "rsa", "--algorithm", "rsa-pss-sha256", "--data", "x", "--signature", "not base64!"], /--signature is not base64/],
    ["verify", ["--key-type", "rsa", "--algorithm", "rsa-pss-sha256", "--data", "x"], /--signature BASE64 is required/],
  ];
  for (const [command, args, pattern] of cases) {
    const result = await run(command, args);
    assert.equal(result.code, 2, `${command} ${args.join(" ")}: ${result.err}`);
    assert.equal(result.out, "");
    const lines = result.err.split("\n");
    assert.match(lines[0] ?? "", /^error: /);
    assert.match(lines[0] ?? "", pattern);
    assert.match(lines[1] ?? "", new RegExp(`^usage: fastgrpc-client ${command} `));
    assert.equal(lines.length, 3, result.err);
  }
});

test("--help prints the command's summary and usage on stdout and exits 0 without calling", async () => {
  for (const command of ["sign", "pubkey", "verify"]) {
    const result = await run(command, ["--help", "--target", "tcp://127.0.0.1:1"]);
    assert.equal(result.code, 0);
    assert.equal(result.err, "");
    assert.match(result.out, new RegExp(`usage: fastgrpc-client ${command} --key-type rsa\\|ec-p256\\|ec-p384\\|ed25519`));
  }
});

test("every command has a summary and a usage naming its options", () => {
  assert.deepEqual(Object.keys(cryptoCommands).sort(), ["pubkey", "sign", "verify"]);
  for (const [name, command] of Object.entries(cryptoCommands)) {
    assert.ok(command.summary.length > 10);
    assert.match(command.usage, new RegExp(`^fastgrpc-client ${name} --key-type`));
  }
});
