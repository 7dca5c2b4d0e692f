/**
 * fastgrpc-server's command line: the usage text and the parsed configuration. Imports only what parsing needs, so
 * that --help and a bad flag answer without loading the server, and the engine loaded is only the one --engine
 * names (docs/scaling.md, footprint).
 */
import { parseArgs } from "node:util";
import { isEngineName, ENGINE_NAMES, DEFAULT_ENGINE } from "./engine-names.js";
import { isLogLevel, LOG_LEVELS, type LogLevel } from "../log/logger.js";
import { RSA_KEY_BITS, isRsaKeyBits, type RsaKeyBits } from "../crypto/key-types.js";
import { parseCidList } from "../server/cid-allowlist.js";
import { isWorkerProcess } from "../server/workers/index.js";
import type { TlsServerOptions } from "../transport/tls.js";
import { parseAddress } from "../transport/address.js";
import { UsageError, describe, positiveInteger } from "./args.js";
import { KEEPALIVE_FLAGS, KEEPALIVE_USAGE, parseKeepaliveFlags } from "./keepalive-flags.js";
import type { ServerKeepaliveOptions } from "../server/connection-management/options.js";
import { processCores } from "./cpu-quota.js";
import { coresPerWorker } from "./threadpool.js";

/**
 * GrpcServer's defaults (DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS in src/server/server.ts), repeated here
 * so that parsing does not load the server; test/cli/server-cli-defaults-match-the-library.test.ts keeps them equal.
 */
export const CLI_DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
export const CLI_DEFAULT_SHUTDOWN_GRACE_MS = 5000;

const DEFAULT_LISTEN = "tcp://127.0.0.1:50051";

export const USAGE = `Usage: fastgrpc-server [options]

Serves fastgrpc.echo.v1.EchoService and fastgrpc.crypto.v1.CryptoService over gRPC. The signing keys are
generated at start-up, before the server listens, and live in memory only.

Options:
  --listen URL             where to listen; repeatable (default ${DEFAULT_LISTEN})
                           tcp://HOST:PORT, tcp://[::1]:PORT, tls://HOST:PORT, vsock://CID:PORT (CID may be "any")
  --tls-cert FILE          PEM certificate chain for tls:// listeners (with --tls-key)
  --tls-key FILE           PEM private key for tls:// listeners
  --tls-client-ca FILE     PEM CA: tls:// clients must present a certificate it signed (mutual TLS)
  --allow-cid LIST         vsock:// listeners accept only these peer CIDs (comma-separated)
  --metrics-listen URL     serve Prometheus metrics at URL/metrics, e.g. tcp://127.0.0.1:9464 (default off)
  --no-reflection          do not serve grpc.reflection (on by default)
  --log-level LEVEL        ${LOG_LEVELS.join("|")} (default info; or LOG_LEVEL)
  --max-message-bytes N    largest request message accepted (default ${CLI_DEFAULT_MAX_MESSAGE_BYTES})
  --max-concurrent-streams N  per connection (default 1000)
  --shutdown-grace-ms N    how long calls in flight may finish on SIGTERM/SIGINT (default ${CLI_DEFAULT_SHUTDOWN_GRACE_MS})
  --rsa-bits N             RSA key size: ${RSA_KEY_BITS.join("|")} (default 2048)
  --engine NAME            HTTP/2 engine: ${ENGINE_NAMES.join("|")} (default ${DEFAULT_ENGINE})
  --workers N              serving processes sharing the listeners and keys: this one, which hands connections
                           round-robin to itself and N - 1 forked workers (default: cores, capped by the
                           cgroup CPU quota: ${processCores()} here); with more than 1, /metrics sums every process's
                           counts and shows CPU and memory per process
  --signing-threads N      threads that sign, per serving process (default: cores / workers, at least 1);
                           0 = sign on libuv's thread pool, one job per signature (node:crypto's callback form)
  --low-memory             once started, one compacting GC per process gives back what start-up left in the heap
                           (~3 MB per process since the 2 MB semi-space cap; docs/benchmarks.md §14)
${KEEPALIVE_USAGE}  -h, --help               show this help

Environment:
  UV_THREADPOOL_SIZE       libuv's pool per process: Verify, key generation, --signing-threads 0
                           (default: cores, shared out between the workers)
  FASTGRPC_POOL_NICE       nice value of the signing threads and of libuv's pool, 0..19 (default 19: the event
                           loop goes first, so other calls keep their latency; 0 = unchanged)
`;

export interface ServerConfig {
  listen: string[];
  logLevel: LogLevel;
  maxMessageBytes: number;
  maxConcurrentStreams: number;
  graceMs: number;
  rsaBits: RsaKeyBits;
  engine: (typeof ENGINE_NAMES)[number];
  workers: number;
  reflection: boolean;
  metricsListen: string | undefined;
  tls: TlsServerOptions | undefined;
  allowCids: number[] | undefined;
  /** Per serving process; 0 = libuv's pool. */
  signingThreads: number;
  /** --low-memory: compact each process's heap once it is ready (trim-idle-heap.ts). */
  lowMemory: boolean;
  /** The keepalive / connection management flags (keepalive-flags.ts); undefined when none was given. */
  keepalive: ServerKeepaliveOptions | undefined;
}

export async function parseConfig(argv: string[]): Promise<ServerConfig | "help"> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      listen: { type: "string", multiple: true },
      "log-level": { type: "string" },
      "max-message-bytes": { type: "string" },
      "max-concurrent-streams": { type: "string" },
      "shutdown-grace-ms": { type: "string" },
      "rsa-bits": { type: "string" },
      engine: { type: "string" },
      workers: { type: "string" },
      "no-reflection": { type: "boolean" },
      "metrics-listen": { type: "string" },
      "tls-cert": { type: "string" },
      "tls-key": { type: "string" },
      "tls-client-ca": { type: "string" },
      "allow-cid": { type: "string" },
      "signing-threads": { type: "string" },
      "low-memory": { type: "boolean" },
      help: { type: "boolean", short: "h" },
      ...KEEPALIVE_FLAGS,
    },
  });
  if (values.help) return "help";
  const logLevel = values["log-level"] ?? process.env.LOG_LEVEL ?? "info";
  if (!isLogLevel(logLevel)) throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join("|")}, got "${logLevel}"`);
  const engine = values.engine ?? DEFAULT_ENGINE;
  if (!isEngineName(engine)) throw new UsageError(`--engine must be one of ${ENGINE_NAMES.join("|")}, got "${engine}"`);
  const rsaBits = positiveInteger("rsa-bits", values["rsa-bits"], 2048);
  if (!isRsaKeyBits(rsaBits)) throw new UsageError(`--rsa-bits must be one of ${RSA_KEY_BITS.join("|")}, got ${rsaBits}`);
  const listen = values.listen ?? [DEFAULT_LISTEN];
  for (const url of listen) parseAddress(url, true); // a bad URL is a usage error, before keys are generated
  const wantsTls = listen.some((url) => url.startsWith("tls://"));
  const certFile = values["tls-cert"];
  const keyFile = values["tls-key"];
  if ((certFile === undefined) !== (keyFile === undefined)) throw new UsageError("--tls-cert and --tls-key go together");
  if (wantsTls && certFile === undefined) throw new UsageError("a tls:// listener needs --tls-cert and --tls-key");
  if (!wantsTls && (certFile !== undefined || values["tls-client-ca"] !== undefined)) throw new UsageError("--tls-cert, --tls-key and --tls-client-ca need a tls:// listener");
  const clientCa = values["tls-client-ca"];
  // Read once, by the process that starts (a worker gets the PEM from the primary): every worker, a replacement
  // forked later too, serves what was read at start-up, whatever happens to the files meanwhile.
  // node:tls is loaded only for TLS (~3 MB of RSS otherwise: docs/scaling.md, footprint).
  const readPem = certFile !== undefined && !isWorkerProcess() ? (await import("../transport/tls.js")).readPem : undefined;
  const tls: TlsServerOptions | undefined = certFile !== undefined && keyFile !== undefined && readPem !== undefined
    ? { cert: readPem(certFile, "--tls-cert"), key: readPem(keyFile, "--tls-key"), ...(clientCa !== undefined ? { clientCa: readPem(clientCa, "--tls-client-ca") } : {}) }
    : undefined;
  let allowCids: number[] | undefined;
  if (values["allow-cid"] !== undefined) {
    if (!listen.some((url) => url.startsWith("vsock://"))) throw new UsageError("--allow-cid needs a vsock:// listener");
    try {
      allowCids = parseCidList(values["allow-cid"]);
    } catch (error) {
      throw new UsageError(`--allow-cid: ${describe(error)}`);
    }
  }
  const metricsListen = values["metrics-listen"];
  if (metricsListen !== undefined) parseAddress(metricsListen, true);
  const workers = positiveInteger("workers", values.workers, processCores());
  const signingThreads = positiveInteger("signing-threads", values["signing-threads"], coresPerWorker(workers), true);
  if (signingThreads > 256) throw new UsageError(`--signing-threads out of range: ${signingThreads} (at most 256)`);
  return {
    signingThreads,
    lowMemory: values["low-memory"] === true,
    keepalive: parseKeepaliveFlags(values),
    rsaBits,
    listen,
    workers,
    reflection: values["no-reflection"] !== true,
    metricsListen,
    tls,
    allowCids,
    logLevel,
    maxMessageBytes: positiveInteger("max-message-bytes", values["max-message-bytes"], CLI_DEFAULT_MAX_MESSAGE_BYTES),
    maxConcurrentStreams: positiveInteger("max-concurrent-streams", values["max-concurrent-streams"], 1000),
    graceMs: positiveInteger("shutdown-grace-ms", values["shutdown-grace-ms"], CLI_DEFAULT_SHUTDOWN_GRACE_MS, true),
    engine,
  };
}
