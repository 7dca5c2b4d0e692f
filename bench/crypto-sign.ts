/**
 * Crypto benchmark: per algorithm, signatures/s through gRPC (our client -> our server over loopback) against raw
 * node:crypto signatures/s (callback form, libuv thread pool) on the same cores in the same run; then Echo latency
 * with and without a parallel signing load. Bounded: a few seconds per measurement.
 *
 *   node dist/bench/crypto-sign.js [--seconds 3] [--in-flight 64] [--rsa-bits 2048] [--algorithms a,b] [--echo-seconds 5]
 *
 * The same file runs three roles: the coordinator (default), `--role server` (a GrpcServer with Crypto + Echo on an
 * ephemeral loopback port) and `--role load` (a signing load generator for the Echo-under-load measurement), so
 * that neither the server's event loop nor the Echo prober shares a process with the load it measures against.
 */
import "./crypto-threadpool.js";
import { spawn, type ChildProcess } from "node:child_process";
import { generateKeyPair, type KeyObject } from "node:crypto";
import os from "node:os";
import { createInterface } from "node:readline";
import { parseArgs, promisify } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { GrpcClient } from "../src/client/client.js";
import { verifyLocally } from "../src/client/crypto-client.js";
import { ALL_ALGORITHMS, type AlgorithmSpec } from "../src/crypto/algorithms.js";
import { generateKeyring } from "../src/crypto/keyring.js";
import { isRsaKeyBits, type RsaKeyBits } from "../src/crypto/key-types.js";
import { signKeyArgument, signOffLoop } from "../src/crypto/sign.js";
import { CryptoService, KeyType, SignRequestSchema, SignResponseSchema, SignatureAlgorithm } from "../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import { EchoRequestSchema, EchoService } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { silentLogger } from "../src/log/logger.js";
import { GrpcServer } from "../src/server/server.js";
import { createCryptoService } from "../src/services/crypto.js";
import { createEchoService } from "../src/services/echo.js";

const SIGN_PATH = `/${CryptoService.typeName}/${CryptoService.method.sign.name}`;
const ECHO_PATH = `/${EchoService.typeName}/${EchoService.method.echo.name}`;
const MESSAGE = new Uint8Array(64).fill(0x61);

interface Options {
  role: "main" | "server" | "load";
  seconds: number;
  inFlight: number;
  rsaBits: RsaKeyBits;
  algorithms: AlgorithmSpec[];
  echoSeconds: number;
  target: string;
}

function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      role: { type: "string", default: "main" },
      seconds: { type: "string", default: "3" },
      "in-flight": { type: "string", default: "64" },
      "rsa-bits": { type: "string", default: "2048" },
      algorithms: { type: "string" },
      "echo-seconds": { type: "string", default: "5" },
      target: { type: "string", default: "" },
    },
  });
  const number = (name: string, text: string, min: number, max: number): number => {
    const n = Number(text);
    if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be between ${min} and ${max}, got "${text}"`);
    return n;
  };
  const rsaBits = number("rsa-bits", values["rsa-bits"], 2048, 4096);
  if (!isRsaKeyBits(rsaBits)) throw new Error("--rsa-bits must be 2048, 3072 or 4096");
  const role = values.role;
  if (role !== "main" && role !== "server" && role !== "load") throw new Error(`--role must be main, server or load`);
  const wanted = values.algorithms?.split(",").map((name) => name.trim().toUpperCase().replaceAll("-", "_"));
  const algorithms = ALL_ALGORITHMS.filter((spec) => wanted === undefined || wanted.includes(SignatureAlgorithm[spec.algorithm]));
  if (algorithms.length === 0) throw new Error("--algorithms matched nothing");
  return {
    role,
    seconds: number("seconds", values.seconds, 0.5, 60),
    inFlight: Math.floor(number("in-flight", values["in-flight"], 1, 10_000)),
    rsaBits,
    algorithms,
    echoSeconds: number("echo-seconds", values["echo-seconds"], 0.5, 60),
    target: values.target,
  };
}

/** Keeps `inFlight` operations running for `seconds`; returns completions per second. */
async function closedLoop(seconds: number, inFlight: number, once: () => Promise<unknown>): Promise<{ rate: number; errors: number }> {
  const started = performance.now();
  const end = started + seconds * 1000;
  let done = 0;
  let errors = 0;
  const lane = async () => {
    while (performance.now() < end) {
      try {
        await once();
        done++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return { rate: done / ((performance.now() - started) / 1000), errors };
}

function signRequest(spec: AlgorithmSpec): Uint8Array {
  return toBinary(SignRequestSchema, create(SignRequestSchema, { data: MESSAGE, keyType: spec.keyType, algorithm: spec.algorithm }));
}

// --- role: server ------------------------------------------------------------------------------------------------

async function runServer(options: Options): Promise<void> {
  const keyring = await generateKeyring({ rsaBits: options.rsaBits });
  const log = silentLogger();
  const server = new GrpcServer({ log });
  server.addService(CryptoService, createCryptoService(keyring));
  server.addService(EchoService, createEchoService(log));
  const listener = await server.listen("tcp://127.0.0.1:0");
  process.stdout.write(`listening ${listener.url}\n`);
  process.on("SIGTERM", () => {
    server.shutdown(0).then(() => process.exit(0), () => process.exit(1));
  });
}

// --- role: load --------------------------------------------------------------------------------------------------

async function runLoad(options: Options): Promise<void> {
  const spec = options.algorithms[0];
  if (spec === undefined) throw new Error("no algorithm");
  const client = new GrpcClient(options.target);
  const request = signRequest(spec);
  process.stdout.write("ready\n");
  const result = await closedLoop(options.seconds, options.inFlight, () => client.callRaw(SIGN_PATH, request));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  await client.close(true);
}

// --- role: main --------------------------------------------------------------------------------------------------

function spawnRole(args: string[]): { child: ChildProcess; lines: AsyncIterator<string> } {
  const scriptPath = process.argv[1] ?? "";
  const child = spawn(process.execPath, [scriptPath, ...args], { stdio: ["ignore", "pipe", "inherit"] });
  if (child.stdout === null) throw new Error("child has no stdout");
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return { child, lines };
}

async function nextLine(lines: AsyncIterator<string>, what: string): Promise<string> {
  const next = await lines.next();
  if (next.done) throw new Error(`${what} exited before answering`);
  return next.value;
}

async function localKey(spec: AlgorithmSpec, rsaBits: RsaKeyBits): Promise<KeyObject> {
  const generate = promisify(generateKeyPair);
  switch (spec.keyType) {
    case KeyType.RSA:
      return (await generate("rsa", { modulusLength: rsaBits })).privateKey;
    case KeyType.EC_P256:
      return (await generate("ec", { namedCurve: "P-256" })).privateKey;
    case KeyType.EC_P384:
      return (await generate("ec", { namedCurve: "P-384" })).privateKey;
    default:
      return (await generate("ed25519", undefined)).privateKey;
  }
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Echo round trips at 1 in flight for `seconds`; latencies in microseconds. */
async function echoLatencies(client: GrpcClient, seconds: number): Promise<{ count: number; p50: number; p99: number; max: number }> {
  const request = toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: MESSAGE }));
  const samples: number[] = [];
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const t0 = performance.now();
    await client.callRaw(ECHO_PATH, request);
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { count: samples.length, p50: percentile(samples, 50), p99: percentile(samples, 99), max: samples[samples.length - 1] ?? NaN };
}

async function runMain(options: Options): Promise<void> {
  const common = ["--rsa-bits", String(options.rsaBits)];
  const server = spawnRole(["--role", "server", ...common]);
  try {
    const url = (await nextLine(server.lines, "server")).replace(/^listening /, "");
    const client = new GrpcClient(url);
    const nodeVersion = process.version;
    process.stdout.write(
      `crypto-sign: node ${nodeVersion}, OpenSSL ${process.versions.openssl}, ${os.availableParallelism()} cores, ` +
        `UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? "?"} (server and raw alike), RSA-${options.rsaBits}, ` +
        `64-byte messages, ${options.inFlight} in flight; per algorithm 3 alternating rounds of gRPC and raw, ${options.seconds} s each in total, medians\n`,
    );
    // gRPC and raw alternate in short rounds so that drift (other work on the machine) hits both alike.
    const rounds = 3;
    const slice = options.seconds / rounds;
    const echoRequest = toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: MESSAGE }));
    await closedLoop(0.5, options.inFlight, () => client.callRaw(ECHO_PATH, echoRequest));
    const ceiling = await closedLoop(slice, options.inFlight, () => client.callRaw(ECHO_PATH, echoRequest));
    process.stdout.write(`gRPC ceiling: Echo (64 B) at ${options.inFlight} in flight on the same connection: ${ceiling.rate.toFixed(0)} calls/s\n\n`);
    const rows: string[][] = [["algorithm", "gRPC sig/s", "raw node:crypto sig/s", "gRPC / raw"]];
    for (const spec of options.algorithms) {
      const name = SignatureAlgorithm[spec.algorithm] ?? String(spec.algorithm);
      // gRPC: check one reply really is a valid signature before timing.
      const request = signRequest(spec);
      const first = fromBinary(SignResponseSchema, await client.callRaw(SIGN_PATH, request));
      const { spkiDer } = await client.unary(CryptoService.method.getPublicKey, { keyType: spec.keyType });
      if (!verifyLocally(spkiDer, spec.algorithm, MESSAGE, first.signature)) throw new Error(`${name}: the server's signature does not verify`);
      // Raw: the same node:crypto call the server makes, in this process, while the server idles.
      const key = signKeyArgument(spec, await localKey(spec, options.rsaBits));
      const viaGrpc = () => closedLoop(slice, options.inFlight, () => client.callRaw(SIGN_PATH, request));
      const raw = () => closedLoop(slice, options.inFlight, () => signOffLoop(spec, key, MESSAGE));
      await closedLoop(0.3, options.inFlight, () => client.callRaw(SIGN_PATH, request));
      await closedLoop(0.3, options.inFlight, () => signOffLoop(spec, key, MESSAGE));
      const grpcRates: number[] = [];
      const rawRates: number[] = [];
      let errors = 0;
      for (let round = 0; round < rounds; round++) {
        const g = await viaGrpc();
        const r = await raw();
        grpcRates.push(g.rate);
        rawRates.push(r.rate);
        errors += g.errors + r.errors;
      }
      const g = median(grpcRates);
      const r = median(rawRates);
      rows.push([name, g.toFixed(0), r.toFixed(0), `${((g / r) * 100).toFixed(0)}%${errors > 0 ? ` (${errors} errors)` : ""}`]);
      process.stderr.write(`  ${rows[rows.length - 1]?.join("  ")}\n`);
    }
    process.stdout.write(`${table(rows)}\n`);

    // Echo latency, idle and then while another process saturates the server with RSA-PSS signing.
    const echoClient = new GrpcClient(url);
    await echoLatencies(echoClient, 0.5);
    const idle = await echoLatencies(echoClient, options.echoSeconds);
    const loadSpec = ALL_ALGORITHMS.find((spec) => spec.algorithm === SignatureAlgorithm.RSA_PSS_SHA256);
    const load = spawnRole([
      "--role", "load", "--target", url, "--algorithms", "rsa-pss-sha256",
      "--seconds", String(options.echoSeconds + 1), "--in-flight", String(options.inFlight),
    ]);
    await nextLine(load.lines, "load generator");
    await new Promise((resolve) => setTimeout(resolve, 500));
    const loaded = await echoLatencies(echoClient, options.echoSeconds);
    const loadResult = JSON.parse(await nextLine(load.lines, "load generator")) as { rate: number; errors: number };
    process.stdout.write(
      `\nEcho (64 B, 1 in flight, separate connection), ${options.echoSeconds} s each; load = ${loadSpec ? SignatureAlgorithm[loadSpec.algorithm] : "?"} ` +
        `from another process, ${options.inFlight} in flight (${loadResult.rate.toFixed(0)} sig/s during the run)\n` +
        table([
          ["condition", "echo calls", "p50 us", "p99 us", "max us"],
          ["idle", String(idle.count), idle.p50.toFixed(0), idle.p99.toFixed(0), idle.max.toFixed(0)],
          ["signing load", String(loaded.count), loaded.p50.toFixed(0), loaded.p99.toFixed(0), loaded.max.toFixed(0)],
        ]) +
        "\n",
    );
    await echoClient.close(true);
    await client.close(true);
  } finally {
    server.child.kill("SIGTERM");
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

const options = parseOptions(process.argv.slice(2));
const run = options.role === "server" ? runServer : options.role === "load" ? runLoad : runMain;
run(options).catch((error: unknown) => {
  process.stderr.write(`crypto-sign: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
