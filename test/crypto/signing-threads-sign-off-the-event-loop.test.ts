// Signing threads: every algorithm signs there and verifies, the threads run below the event loop's priority,
// a thread that dies fails only its own jobs and is replaced, one that cannot start is given up for libuv's pool,
// and close() ends pending and later calls with UNAVAILABLE.
import assert from "node:assert/strict";
import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import os from "node:os";
import { test } from "node:test";
import { ALL_ALGORITHMS, algorithmSpec, type AlgorithmSpec } from "../../src/crypto/algorithms.js";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { verifyKeyArgument, verifyNow } from "../../src/crypto/sign.js";
import { SigningThreads } from "../../src/crypto/signing-threads.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";

const data = new TextEncoder().encode("signed on a signing thread");
const p256 = generateKeyPairSync("ec", { namedCurve: "P-256" });
const P256 = spec(SignatureAlgorithm.ECDSA_P256_SHA256_ASN1);

function spec(algorithm: SignatureAlgorithm): AlgorithmSpec {
  const found = algorithmSpec(algorithm);
  assert.ok(found);
  return found;
}

function fixture(name: string): URL {
  return new URL(`./fixtures/${name}.js`, import.meta.url);
}

const noFallback = () => Promise.reject(new Error("the fallback was not expected to sign"));

function threadsWith(keys: Array<readonly [number, KeyObject]>, options: Partial<ConstructorParameters<typeof SigningThreads>[1]> = {}) {
  return new SigningThreads(keys, { threads: 1, nice: 19, fallback: noFallback, ...options });
}

test("every algorithm signs on the threads and the signature verifies with the public key", async () => {
  const keyring = await generateKeyring();
  const threads = await keyring.startSigningThreads({ threads: 2, nice: 19 });
  try {
    assert.equal(threads.length, 2);
    for (const algorithm of ALL_ALGORITHMS) {
      const { signature } = await keyring.sign(algorithm, data);
      const info = keyring.publicKey(algorithm.keyType);
      assert.ok(info);
      const publicKey = createPublicKey({ key: Buffer.from(info.spkiDer), format: "der", type: "spki" });
      assert.equal(verifyNow(algorithm, verifyKeyArgument(algorithm, publicKey), data, signature), true, SignatureAlgorithm[algorithm.algorithm]);
      if (algorithm.fixedHalfBytes !== undefined) assert.equal(signature.byteLength, algorithm.fixedHalfBytes * 2);
    }
  } finally {
    await keyring.close();
  }
});

test("hundreds of concurrent jobs over two threads all come back with their own signature", async () => {
  const threads = threadsWith([[KeyType.EC_P256, p256.privateKey]], { threads: 2 });
  try {
    const messages = Array.from({ length: 500 }, (_, i) => new TextEncoder().encode(`message ${i}`));
    const signatures = await Promise.all(messages.map((message) => threads.sign(P256, message)));
    const publicKey = verifyKeyArgument(P256, p256.publicKey);
    signatures.forEach((signature, i) => assert.equal(verifyNow(P256, publicKey, messages[i] ?? data, signature), true, `message ${i}`));
    // Each signature answers its own message, not a neighbour's from the same batch.
    assert.equal(verifyNow(P256, publicKey, messages[1] ?? data, signatures[0] ?? new Uint8Array(0)), false);
  } finally {
    await threads.close();
  }
});

test("the threads run at the nice value asked for while the event loop keeps its own", { skip: process.platform !== "linux" }, async () => {
  const threads = threadsWith([[KeyType.EC_P256, p256.privateKey]], { threads: 2, nice: 17 });
  try {
    const infos = await threads.ready();
    for (const info of infos) {
      assert.equal(info.nice, 17);
      // Field 19 of /proc/PID/task/TID/stat is the nice value; the thread's own report is checked against the kernel.
      const stat = readFileSync(`/proc/self/task/${info.tid}/stat`, "latin1");
      assert.equal(Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]), 17);
    }
    assert.equal(os.getPriority(), 0);
  } finally {
    await threads.close();
  }
});

test("a library failure rejects that job only, with the library's message", async () => {
  // The threads hold only the P-256 key: an Ed25519 job fails in the thread, the P-256 job beside it signs.
  const threads = threadsWith([[KeyType.EC_P256, p256.privateKey]]);
  try {
    const [failed, signed] = await Promise.allSettled([threads.sign(spec(SignatureAlgorithm.ED25519), data), threads.sign(P256, data)]);
    assert.equal(failed.status, "rejected");
    assert.match(String(failed.status === "rejected" ? failed.reason : ""), /no key for algorithm/);
    assert.equal(signed.status, "fulfilled");
  } finally {
    await threads.close();
  }
});

test("a thread that dies fails its pending jobs and a new thread signs the next ones", async () => {
  const threads = threadsWith([[KeyType.EC_P256, p256.privateKey]], { entry: fixture("crash-on-request-signing-thread") });
  try {
    await threads.ready();
    await assert.rejects(threads.sign(P256, new TextEncoder().encode("please crash")), /signing thread exited \(code 3\)/);
    const signature = await threads.sign(P256, data);
    assert.equal(verifyNow(P256, verifyKeyArgument(P256, p256.publicKey), data, signature), true);
  } finally {
    await threads.close();
  }
});

test("threads that cannot start are given up and signing falls back to libuv's pool", async () => {
  let fallbackCalls = 0;
  const threads = threadsWith([[KeyType.EC_P256, p256.privateKey]], {
    entry: fixture("exit-at-start-signing-thread"),
    fallback: async () => {
      fallbackCalls++;
      return new Uint8Array([1]);
    },
  });
  try {
    // Three quick deaths in a row give the thread up; until then calls fail with the thread's exit.
    const deadline = Date.now() + 10_000;
    let result: Uint8Array | undefined;
    while (result === undefined && Date.now() < deadline) {
      result = await threads.sign(P256, data).catch(() => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 20)));
    }
    assert.deepEqual(result, new Uint8Array([1]));
    assert.equal(fallbackCalls, 1);
  } finally {
    await threads.close();
  }
});

test("close() fails the jobs still pending and every later call with UNAVAILABLE", async () => {
  const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const threads = threadsWith([[KeyType.RSA, rsa.privateKey]]);
  const pending = Promise.allSettled(Array.from({ length: 50 }, () => threads.sign(spec(SignatureAlgorithm.RSA_PKCS1_SHA256), data)));
  await threads.close();
  const settled = await pending;
  const unavailable = (reason: unknown) => reason instanceof GrpcError && reason.code === Code.UNAVAILABLE;
  assert.ok(settled.every((outcome) => outcome.status === "rejected" && unavailable(outcome.reason)));
  await assert.rejects(threads.sign(P256, data), unavailable);
});

test("a keyring starts its signing threads once and maps a failure after close() to UNAVAILABLE", async () => {
  const keyring = await generateKeyring();
  await keyring.startSigningThreads({ threads: 1, nice: 19 });
  assert.throws(() => keyring.startSigningThreads({ threads: 1, nice: 19 }), /already been started/);
  await keyring.close();
  await assert.rejects(keyring.sign(P256, data), (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
});
