/**
 * Crypto benchmark on the server's cores: the servers and the raw node:crypto baseline run pinned to core 0 (so
 * each has one signing thread, like a one-core server), our gRPC client, the Echo prober and the load generator
 * run pinned to core 1, as every other benchmark here pins the server to core 0 and h2load to core 1.
 *
 *   node dist/perf/crypto-sign.js [--seconds 3] [--in-flight 64] [--rsa-bits 2048] [--algorithms a,b]
 *                                  [--echo-seconds 5] [--pool-nice 19]
 *
 * Part 1, per algorithm: signatures/s through gRPC (client -> server over loopback) against raw node:crypto
 * (callback form, same UV_THREADPOOL_SIZE, its own process, pool left at nice 0), in alternating rounds, medians.
 * Three servers run side by side (each idle while another is measured): the default (one signing thread at
 * --pool-nice, FASTGRPC_POOL_NICE's default), and two that sign on libuv's pool like the callback form
 * (--signing-threads 0), one with the pool at --pool-nice and one with it unchanged (nice 0). For reference, the
 * raw baseline also signs synchronously in a loop on its one core (no event loop at all: the ceiling).
 * Part 2: Echo latency at 1 in flight on its own connection, idle and while another process saturates the server
 * with RSA-PSS-2048 or P-256 signing, against each server. The load generator runs at nice 19 so that it does not
 * delay the prober it shares core 1 with. Bounded: about 4 minutes with the defaults.
 *
 * One file, four roles: the coordinator (default), `--role server`, `--role raw` (signs on command from stdin) and
 * `--role load` (a signing load generator).
 */
import { inheritedThreadpoolSize } from "./crypto-threadpool.js";
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { generateKeyPair, type KeyObject } from "node:crypto";
import os from "node:os";
import { createInterface } from "node:readline";
import { parseArgs, promisify } from "node:util";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { GrpcClient } from "../src/client/client.js";
import { verifyLocally } from "../src/client/crypto-client.js";
import { ALL_ALGORITHMS, algorithmSpec, type AlgorithmSpec } from "../src/crypto/algorithms.js";
import { generateKeyring } from "../src/crypto/keyring.js";
import { isRsaKeyBits, type RsaKeyBits } from "../src/crypto/key-types.js";
import { signKeyArguments, signNow, signOffLoop, type SignKeyArgument } from "../src/crypto/sign.js";
import { DEFAULT_POOL_NICE, POOL_NICE_ENV, yieldThreadPoolToEventLoop } from "../src/crypto/thread-pool-priority.js";
import { CryptoService, KeyType, SignRequestSchema, SignResponseSchema, SignatureAlgorithm } from "../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { EchoRequestSchema, EchoService } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { silentLogger } from "../src/log/logger.js";
import { GrpcServer } from "../src/server/server.js";
import { createCryptoService } from "../src/services/crypto.js";
import { createEchoService } from "../src/services/echo.js";

const SIGN_PATH = `/${CryptoService.typeName}/${CryptoService.method.sign.name}`;
const ECHO_PATH = `/${EchoService.typeName}/${EchoService.method.echo.name}`;
const MESSAGE = new Uint8Array(64).fill(0x61);
const SERVER_CORE = "0";
const CLIENT_CORE = "1";
const ROUNDS = 3;
const ECHO_LOADS = [SignatureAlgorithm.RSA_PSS_SHA256, SignatureAlgorithm.ECDSA_P256_SHA256_ASN1];

interface Options {
  role: "main" | "server" | "raw" | "load";
  seconds: number;
  inFlight: number;
  rsaBits: RsaKeyBits;
  algorithms: AlgorithmSpec[];
  echoSeconds: number;
  poolNice: number;
  target: string;
  signingThreads: number;
  /** Undefined: the signing threads' own default. */
  signMaxDelayMs: number | undefined;
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
      "pool-nice": { type: "string", default: String(DEFAULT_POOL_NICE) },
      target: { type: "string", default: "" },
      "signing-threads": { type: "string", default: "1" },
      "sign-max-delay-ms": { type: "string" },
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
  if (role !== "main" && role !== "server" && role !== "raw" && role !== "load") throw new Error("--role must be main, server, raw or load");
  const wanted = values.algorithms?.split(",").map((name) => name.trim().toUpperCase().replaceAll("-", "_"));
  const algorithms = ALL_ALGORITHMS.filter((spec) => wanted === undefined || wanted.includes(SignatureAlgorithm[spec.algorithm]));
  if (algorithms.length === 0) throw new Error("--algorithms matched nothing");
  const poolNice = number("pool-nice", values["pool-nice"], 1, 19);
  if (!Number.isInteger(poolNice)) throw new Error("--pool-nice must be an integer from 1 to 19");
  return {
    role,
    seconds: number("seconds", values.seconds, 0.5, 60),
    inFlight: Math.floor(number("in-flight", values["in-flight"], 1, 10_000)),
    rsaBits,
    algorithms,
    echoSeconds: number("echo-seconds", values["echo-seconds"], 0.5, 60),
    poolNice,
    target: values.target,
    signingThreads: Math.floor(number("signing-threads", values["signing-threads"], 0, 64)),
    signMaxDelayMs: values["sign-max-delay-ms"] === undefined ? undefined : number("sign-max-delay-ms", values["sign-max-delay-ms"], 0, 100),
  };
}

interface Rate {
  rate: number;
  errors: number;
}

/** Keeps `inFlight` operations running for `seconds`; returns completions per second. */
async function closedLoop(seconds: number, inFlight: number, once: () => Promise<unknown>): Promise<Rate> {
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

function algorithmLabel(algorithm: SignatureAlgorithm): string {
  return SignatureAlgorithm[algorithm] ?? String(algorithm);
}

function writeJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value)}\n`);
}

// --- role: server (core 0) ---------------------------------------------------------------------------------------

interface ServerReady {
  url: string;
  cores: number;
  uvThreadpoolSize: string;
  poolNice: number;
  poolThreads: number;
  lowered: number;
  skipped: string | null;
  signingThreads: Array<{ tid: number; nice: number }>;
}

async function runServer(options: Options): Promise<void> {
  const keyring = await generateKeyring({ rsaBits: options.rsaBits });
  // What the server entry does after key generation; FASTGRPC_POOL_NICE (set by the coordinator) decides.
  const priority = await yieldThreadPoolToEventLoop();
  const signingThreads = options.signingThreads > 0 ? await keyring.startSigningThreads({
    threads: options.signingThreads,
    nice: priority.nice,
    ...(options.signMaxDelayMs !== undefined ? { maxDelayMs: options.signMaxDelayMs } : {}),
  }) : [];
  const log = silentLogger();
  const server = new GrpcServer({ log });
  server.addService(CryptoService, createCryptoService(keyring));
  server.addService(EchoService, createEchoService(log));
  const listener = await server.listen("tcp://127.0.0.1:0");
  const ready: ServerReady = {
    url: listener.url,
    cores: os.availableParallelism(),
    uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? "?",
    poolNice: priority.nice,
    poolThreads: priority.poolThreads.length,
    lowered: priority.lowered,
    skipped: priority.skipped ?? null,
    signingThreads,
  };
  writeJson(ready);
  const stop = () => {
    server.shutdown(0).then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGTERM", stop);
  // The coordinator holds our stdin: when it ends (the coordinator exited, however), so do we.
  process.stdin.on("end", stop).resume();
}

// --- role: raw (core 0): node:crypto alone, one measurement per stdin line ---------------------------------------

interface RawCommand {
  algorithm: number;
  seconds: number;
  inFlight: number;
  /** Sign synchronously in a loop instead (the ceiling of one core). */
  sync: boolean;
}

async function runRaw(options: Options): Promise<void> {
  const keys = new Map<KeyType, KeyObject>();
  for (const keyType of [KeyType.RSA, KeyType.EC_P256, KeyType.EC_P384, KeyType.ED25519]) keys.set(keyType, await localKey(keyType, options.rsaBits));
  const prepared = new Map<number, SignKeyArgument>();
  for (const [keyType, key] of keys) {
    for (const [algorithm, argument] of signKeyArguments(keyType, key)) prepared.set(algorithm, argument);
  }
  writeJson({ cores: os.availableParallelism(), uvThreadpoolSize: process.env.UV_THREADPOOL_SIZE ?? "?" });
  for await (const line of createInterface({ input: process.stdin })) {
    const command = JSON.parse(line) as RawCommand;
    const spec = algorithmSpec(command.algorithm);
    const key = prepared.get(command.algorithm);
    if (spec === undefined || key === undefined) throw new Error(`raw: unknown algorithm ${command.algorithm}`);
    writeJson(command.sync ? syncLoop(command.seconds, () => signNow(spec, key, MESSAGE)) : await closedLoop(command.seconds, command.inFlight, () => signOffLoop(spec, key, MESSAGE)));
  }
}

function syncLoop(seconds: number, once: () => unknown): Rate {
  const started = performance.now();
  const end = started + seconds * 1000;
  let done = 0;
  while (performance.now() < end) {
    once();
    done++;
  }
  return { rate: done / ((performance.now() - started) / 1000), errors: 0 };
}

async function localKey(keyType: KeyType, rsaBits: RsaKeyBits): Promise<KeyObject> {
  const generate = promisify(generateKeyPair);
  switch (keyType) {
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

// --- role: load (core 1, nice 19) --------------------------------------------------------------------------------

async function runLoad(options: Options): Promise<void> {
  const spec = options.algorithms[0];
  if (spec === undefined) throw new Error("no algorithm");
  // Below the Echo prober on the shared client core: the prober's wake-ups must not wait for the load generator.
  os.setPriority(19);
  const client = new GrpcClient(options.target);
  const request = signRequest(spec);
  await client.callRaw(SIGN_PATH, request);
  writeJson({ ready: true });
  writeJson(await closedLoop(options.seconds, options.inFlight, () => client.callRaw(SIGN_PATH, request)));
  await client.close(true);
}

// --- role: main (core 1) -----------------------------------------------------------------------------------------

interface Role {
  child: ChildProcess;
  lines: AsyncIterator<string>;
}

interface Pinning {
  pinned: boolean;
  note: string;
}

/** Pins this process (all its threads) to the client core, when taskset and two cores are there. */
function pinCoordinator(): Pinning {
  if (os.availableParallelism() < 2) return { pinned: false, note: `only ${os.availableParallelism()} core available to this process` };
  const pin = spawnSync("taskset", ["-a", "-p", "-c", CLIENT_CORE, String(process.pid)], { stdio: "ignore" });
  if (pin.error !== undefined) return { pinned: false, note: "taskset is missing (Debian package util-linux)" };
  if (pin.status !== 0) return { pinned: false, note: `taskset -a -p -c ${CLIENT_CORE} failed (exit ${String(pin.status)})` };
  return { pinned: true, note: `server and raw baseline on core ${SERVER_CORE}, client, Echo prober and load generator on core ${CLIENT_CORE}` };
}

function spawnRole(args: string[], core: string, pinning: Pinning, env: Record<string, string> = {}): Role {
  const script = process.argv[1] ?? "";
  // Each role sizes its own pool from its own cores (crypto-threadpool.ts) unless the user fixed UV_THREADPOOL_SIZE.
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  if (inheritedThreadpoolSize === undefined) delete childEnv.UV_THREADPOOL_SIZE;
  else childEnv.UV_THREADPOOL_SIZE = inheritedThreadpoolSize;
  const [command, commandArgs] = pinning.pinned
    ? ["taskset", ["-c", core, process.execPath, script, ...args]]
    : [process.execPath, [script, ...args]];
  const child = spawn(command, commandArgs, { stdio: ["pipe", "pipe", "inherit"], env: childEnv });
  if (child.stdout === null) throw new Error("child has no stdout");
  return { child, lines: createInterface({ input: child.stdout })[Symbol.asyncIterator]() };
}

async function nextJson<T>(role: Role, what: string): Promise<T> {
  const next = await role.lines.next();
  if (next.done === true) throw new Error(`${what} exited before answering`);
  return JSON.parse(next.value) as T;
}

function median(values: number[]): number {
  return percentile([...values].sort((a, b) => a - b), 50);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

interface Latency {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

/** Echo round trips at 1 in flight for `seconds`; latencies in microseconds. */
async function echoLatencies(client: GrpcClient, seconds: number): Promise<Latency> {
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Target {
  label: string;
  ready: ServerReady;
  client: GrpcClient;
  echoClient: GrpcClient;
}

async function runMain(options: Options): Promise<void> {
  const loadBefore = os.loadavg()[0] ?? NaN;
  const pinning = pinCoordinator();
  if (!pinning.pinned) process.stderr.write(`crypto-sign: WARNING: running unpinned: ${pinning.note}; server, raw baseline and client share all cores\n`);
  const common = ["--rsa-bits", String(options.rsaBits)];
  const roles: Role[] = [];
  const start = (args: string[], core: string, env?: Record<string, string>) => {
    const role = spawnRole(args, core, pinning, env);
    roles.push(role);
    return role;
  };
  try {
    const configs = [
      { label: `threads, nice ${options.poolNice} (default)`, args: ["--signing-threads", "1"], nice: String(options.poolNice) },
      { label: `libuv pool, nice ${options.poolNice}`, args: ["--signing-threads", "0"], nice: String(options.poolNice) },
      { label: "libuv pool, nice 0", args: ["--signing-threads", "0"], nice: "0" },
    ];
    const serverRoles = configs.map((config) => start(["--role", "server", ...common, ...config.args], SERVER_CORE, { [POOL_NICE_ENV]: config.nice }));
    const raw = start(["--role", "raw", ...common], SERVER_CORE);
    const targets: Target[] = [];
    for (const [i, role] of serverRoles.entries()) {
      const ready = await nextJson<ServerReady>(role, "server");
      targets.push({ label: configs[i]?.label ?? "?", ready, client: new GrpcClient(ready.url), echoClient: new GrpcClient(ready.url) });
    }
    const rawReady = await nextJson<{ cores: number; uvThreadpoolSize: string }>(raw, "raw baseline");
    const first = targets[0];
    if (first === undefined) throw new Error("servers missing");

    const out = (text: string) => process.stdout.write(text);
    const describeServer = (t: Target) =>
      t.ready.signingThreads.length > 0
        ? `${t.label}: signing threads at nice ${t.ready.signingThreads.map((thread) => thread.nice).join(",")}`
        : `${t.label}: ${t.ready.lowered}/${t.ready.poolThreads} pool threads lowered${t.ready.skipped !== null ? ` (${t.ready.skipped})` : ""}`;
    out(
      `crypto-sign: ${new Date().toISOString()}, load average ${loadBefore.toFixed(2)} before; node ${process.version}, OpenSSL ${process.versions.openssl}\n` +
        `pinning: ${pinning.pinned ? pinning.note : `NONE (${pinning.note})`}\n` +
        `servers: ${first.ready.cores} core(s), UV_THREADPOOL_SIZE=${first.ready.uvThreadpoolSize}; ${targets.map(describeServer).join("; ")}\n` +
        `raw node:crypto: ${rawReady.cores} core(s), UV_THREADPOOL_SIZE=${rawReady.uvThreadpoolSize}, pool at nice 0, callback form; ` +
        `"sync loop" = crypto.sign in a plain loop on that core (no event loop: the ceiling)\n` +
        `RSA-${options.rsaBits}, 64-byte messages, ${options.inFlight} in flight; per algorithm ${ROUNDS} rounds of ` +
        `${(options.seconds / ROUNDS).toFixed(2)} s for each measurement, order rotating, medians\n`,
    );

    const slice = options.seconds / ROUNDS;
    const echoRequest = toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: MESSAGE }));
    for (const target of targets) await closedLoop(0.5, options.inFlight, () => target.client.callRaw(ECHO_PATH, echoRequest));
    const ceiling = await closedLoop(slice, options.inFlight, () => first.client.callRaw(ECHO_PATH, echoRequest));
    out(`gRPC ceiling: Echo (64 B), ${options.inFlight} in flight, one connection: ${ceiling.rate.toFixed(0)} calls/s\n\n`);

    const rows: string[][] = [[
      "algorithm",
      ...targets.map((t) => `gRPC, ${t.label}`),
      "raw node:crypto",
      ...targets.map((t) => `${t.label} / raw`),
      "raw sync loop",
    ]];
    for (const spec of options.algorithms) {
      const name = algorithmLabel(spec.algorithm);
      const request = signRequest(spec);
      for (const target of targets) {
        const reply = fromBinary(SignResponseSchema, await target.client.callRaw(SIGN_PATH, request));
        const { spkiDer } = await target.client.unary(CryptoService.method.getPublicKey, { keyType: spec.keyType });
        if (!verifyLocally(spkiDer, spec.algorithm, MESSAGE, reply.signature)) throw new Error(`${name}: a server's signature does not verify`);
      }
      const rawRound = (sync: boolean) => async (seconds: number): Promise<Rate> => {
        raw.child.stdin?.write(`${JSON.stringify({ algorithm: spec.algorithm, seconds, inFlight: options.inFlight, sync } satisfies RawCommand)}\n`);
        return nextJson<Rate>(raw, "raw baseline");
      };
      const measures: Array<(seconds: number) => Promise<Rate>> = [
        ...targets.map((target) => (seconds: number) => closedLoop(seconds, options.inFlight, () => target.client.callRaw(SIGN_PATH, request))),
        rawRound(false),
        rawRound(true),
      ];
      for (const measure of measures) await measure(0.3);
      const rates: number[][] = measures.map(() => []);
      let errors = 0;
      for (let round = 0; round < ROUNDS; round++) {
        // The order rotates so that no measurement always follows the same one.
        for (let i = 0; i < measures.length; i++) {
          const which = (i + round) % measures.length;
          const result = await measures[which]?.(slice);
          if (result === undefined) continue;
          rates[which]?.push(result.rate);
          errors += result.errors;
        }
      }
      const medians = rates.map(median);
      const grpc = medians.slice(0, targets.length);
      const r = medians[targets.length] ?? NaN;
      const sync = medians[targets.length + 1] ?? NaN;
      const pct = (value: number) => `${((value / r) * 100).toFixed(0)}%`;
      rows.push([name, ...grpc.map((g) => g.toFixed(0)), r.toFixed(0), ...grpc.map(pct), `${sync.toFixed(0)}${errors > 0 ? ` (${errors} errors)` : ""}`]);
      process.stderr.write(`  ${rows[rows.length - 1]?.join("  ")}\n`);
    }
    out(`${table(rows)}\n`);

    // Echo at 1 in flight, idle and under a saturating signing load, against each server in turn.
    const echoRows: string[][] = [["load", "server", "echo calls", "p50 us", "p99 us", "max us", "load sig/s"]];
    const echoRow = (load: string, target: Target, latency: Latency, signatures: string) =>
      [load, target.label, String(latency.count), latency.p50.toFixed(0), latency.p99.toFixed(0), latency.max.toFixed(0), signatures];
    for (const target of targets) {
      await echoLatencies(target.echoClient, 0.5);
      echoRows.push(echoRow("idle", target, await echoLatencies(target.echoClient, options.echoSeconds), "-"));
    }
    for (const algorithm of ECHO_LOADS) {
      for (const target of targets) {
        const load = start(
          ["--role", "load", "--target", target.ready.url, "--algorithms", algorithmLabel(algorithm),
            "--seconds", String(options.echoSeconds + 1), "--in-flight", String(options.inFlight)],
          CLIENT_CORE,
        );
        await nextJson(load, "load generator");
        await sleep(500);
        const latency = await echoLatencies(target.echoClient, options.echoSeconds);
        const result = await nextJson<Rate>(load, "load generator");
        echoRows.push(echoRow(`${algorithmLabel(algorithm)}, ${options.inFlight} in flight`, target, latency, result.rate.toFixed(0)));
        process.stderr.write(`  ${echoRows[echoRows.length - 1]?.join("  ")}\n`);
      }
    }
    out(
      `\nEcho (64 B, 1 in flight, its own connection), ${options.echoSeconds} s per row; the load generator is another ` +
        `process${pinning.pinned ? ` on core ${CLIENT_CORE} at nice 19` : " at nice 19"}, ${options.inFlight} signatures in flight\n${table(echoRows)}\n`,
    );
    for (const target of targets) {
      await target.client.close(true);
      await target.echoClient.close(true);
    }
  } finally {
    for (const role of roles) {
      role.child.stdin?.end();
      if (role.child.exitCode === null) role.child.kill("SIGTERM");
    }
  }
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((row) => (row[i] ?? "").length))) ?? [];
  const line = (row: string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(" | ")} |`;
  const [head, ...body] = rows;
  return [line(head ?? []), `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`, ...body.map(line)].join("\n");
}

const options = parseOptions(process.argv.slice(2));
const run = { main: runMain, server: runServer, raw: runRaw, load: runLoad }[options.role];
run(options).catch((error: unknown) => {
  process.stderr.write(`crypto-sign (${options.role}): ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
