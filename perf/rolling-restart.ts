/**
 * The rolling-restart proof (docs/scaling.md): three fastgrpc-server processes on three ports behind one name
 * (`ipv4:` list, round_robin), a client under steady closed-loop load, and each server in turn stopped and started
 * again; then the same with a server killed (SIGKILL). Prints the calls by status and, for the last steady window,
 * how the calls spread over the replicas (from each server's /metrics).
 *
 * Ports: base..base+2 serve, base+10..base+12 serve /metrics. Keep them below the kernel's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range, 32768 and up by default): a restarted server must get its port back,
 * and an outgoing connection may have taken a port in that range meanwhile.
 *
 *   node dist/perf/rolling-restart.js [--mode sigterm|sigkill] [--concurrency 16] [--phase-ms 2000] [--engine h2|node] [--retry]
 *
 * --retry gives the client a service config whose retryPolicy retries UNAVAILABLE (Echo is idempotent).
 * Exit code 0 when the run met the proof, and the spread in the last window is within 20% of the mean: SIGTERM: no
 * failed call; SIGKILL: no failed call with --retry, else failures only UNAVAILABLE (calls that were on the killed
 * server's connection when it died: the client cannot know whether they ran, and no policy allows a retry).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";
import { GrpcClient } from "../src/client/client.js";
import { GrpcError } from "../src/errors/grpc-error.js";
import { codeName } from "../src/errors/codes.js";
import { EchoService } from "../src/services/echo.js";
import { nodeClientEngine } from "../src/engine/node/client.js";

const { values } = parseArgs({
  options: {
    mode: { type: "string", default: "sigterm" },
    concurrency: { type: "string", default: "16" },
    "phase-ms": { type: "string", default: "2000" },
    engine: { type: "string", default: "h2" },
    "base-port": { type: "string", default: "24780" },
    retry: { type: "boolean", default: false },
  },
});
const mode = values.mode === "sigkill" ? "sigkill" : "sigterm";
const concurrency = Number(values.concurrency);
const phaseMs = Number(values["phase-ms"]);
const basePort = Number(values["base-port"]);
const SERVER = fileURLToPath(new URL("../bin/server.js", import.meta.url));
const REPLICAS = 3;

interface Replica { port: number; metricsPort: number; process: ChildProcess | null }
const replicas: Replica[] = Array.from({ length: REPLICAS }, (_, i) => ({ port: basePort + i, metricsPort: basePort + 10 + i, process: null }));

function start(replica: Replica): Promise<void> {
  const child = spawn(process.execPath, [SERVER, "--listen", `tcp://127.0.0.1:${replica.port}`, "--metrics-listen", `tcp://127.0.0.1:${replica.metricsPort}`,
    "--workers", "1", "--log-level", "warn", "--shutdown-grace-ms", "3000", "--engine", values.engine === "node" ? "node" : "h2"], { stdio: ["ignore", "pipe", "inherit"] });
  replica.process = child;
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("metrics on")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`server on ${replica.port} exited (${code}) before serving`)));
  });
}

function stop(replica: Replica, signal: NodeJS.Signals): Promise<void> {
  const child = replica.process;
  replica.process = null;
  if (child === null || child.exitCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill(signal);
  });
}

async function handled(replica: Replica): Promise<number> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${replica.metricsPort}/metrics`)).text();
    let sum = 0;
    for (const line of text.split("\n")) {
      if (line.startsWith("grpc_server_handled_total{") && line.includes('grpc_method="Echo"')) sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return sum;
  } catch {
    return 0;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

// Whatever ends this process (a failed restart, a signal), its servers go with it.
const killAll = () => { for (const replica of replicas) replica.process?.kill("SIGKILL"); };
process.on("exit", killAll);
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(2));
process.on("unhandledRejection", (error) => {
  process.stderr.write(`rolling-restart: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(2);
});

await Promise.all(replicas.map(start));
const target = `ipv4:${replicas.map((replica) => `127.0.0.1:${replica.port}`).join(",")}`;
const client = new GrpcClient(target, {
  loadBalancing: "round_robin",
  ...(values.engine === "node" ? { engine: nodeClientEngine } : {}),
  backoff: { initialMs: 100, maxMs: 500 },
  ...(values.retry ? { serviceConfig: {
    methodConfig: [{
      name: [{ service: "fastgrpc.echo.v1.EchoService" }],
      retryPolicy: { maxAttempts: 3, initialBackoff: "0.05s", maxBackoff: "0.5s", backoffMultiplier: 2, retryableStatusCodes: ["UNAVAILABLE"] },
    }],
  } } : {}),
});
const byStatus = new Map<string, number>();
const failureReasons = new Map<string, number>();
let inFlight = 0;
let maxInFlight = 0;
let running = true;
const payload = new Uint8Array(64);
const loop = async () => {
  while (running) {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    try {
      await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 5000 });
      byStatus.set("OK", (byStatus.get("OK") ?? 0) + 1);
    } catch (error) {
      const name = error instanceof GrpcError ? codeName(error.code) : String(error);
      byStatus.set(name, (byStatus.get(name) ?? 0) + 1);
      const why = error instanceof Error ? error.message : String(error);
      failureReasons.set(why, (failureReasons.get(why) ?? 0) + 1);
    } finally {
      inFlight--;
    }
  }
};
const loops = Array.from({ length: concurrency }, loop);

await sleep(phaseMs);
for (const replica of replicas) {
  await stop(replica, mode === "sigkill" ? "SIGKILL" : "SIGTERM");
  await sleep(phaseMs / 2);
  await start(replica);
  await sleep(phaseMs);
}
// The last steady window: every replica up; how the calls spread.
const before = await Promise.all(replicas.map(handled));
await sleep(phaseMs * 2);
const after = await Promise.all(replicas.map(handled));
running = false;
await Promise.all(loops);
await client.close();
await Promise.all(replicas.map((replica) => stop(replica, "SIGTERM")));

const spread = after.map((count, i) => count - (before[i] ?? 0));
const mean = spread.reduce((a, b) => a + b, 0) / spread.length;
const worst = Math.max(...spread.map((count) => Math.abs(count - mean) / (mean || 1)));
const failed = [...byStatus].filter(([name]) => name !== "OK").reduce((sum, [, n]) => sum + n, 0);
console.log(JSON.stringify({ mode, engine: values.engine, retry: values.retry, concurrency, phaseMs, calls: Object.fromEntries(byStatus), failed,
  failureReasons: Object.fromEntries(failureReasons), lastWindowPerReplica: spread, worstDeviationFromMean: Number(worst.toFixed(3)) }));
const onlyUnavailable = [...byStatus.keys()].every((name) => name === "OK" || name === "UNAVAILABLE");
const met = worst <= 0.2 && (mode === "sigterm" || values.retry ? failed === 0 : onlyUnavailable);
process.exit(met ? 0 : 1);
