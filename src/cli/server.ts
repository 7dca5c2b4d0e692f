#!/usr/bin/env node
import { coresPerWorker, workerPoolEnv } from "./threadpool.js";
import { processCores } from "./cpu-quota.js";
import { trimIdleHeap } from "./trim-idle-heap.js";
import { parseArgs } from "node:util";
import { isEngineName, serverEngine, ENGINE_NAMES, DEFAULT_ENGINE } from "../engine/registry.js";
import { createLogger, isLogLevel, LOG_LEVELS, type LogLevel } from "../log/logger.js";
import { DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS, GrpcServer } from "../server/server.js";
import { createEchoService, EchoService } from "../services/echo.js";
import { keyTypeName } from "../crypto/algorithms.js";
import { generateKeyring } from "../crypto/keyring.js";
import { RSA_KEY_BITS, isRsaKeyBits, type RsaKeyBits } from "../crypto/key-types.js";
import { CryptoService } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
import { createCryptoService } from "../services/crypto.js";
import { UsageError, describe, positiveInteger } from "./args.js";
import type { Keyring } from "../crypto/keyring.js";
import type { Logger } from "../log/logger.js";
import { isWorkerProcess, runPrimary, runWorker } from "../server/workers/index.js";
import { ServerMetrics } from "../server/metrics.js";
import { serveMetrics, type MetricsEndpoint } from "../server/metrics-http.js";
import { parseCidList } from "../server/cid-allowlist.js";
import { type ListenOptions } from "../server/server.js";
import type { TlsServerOptions } from "../transport/tls.js";
import { configuredNice, yieldThreadPoolToEventLoop } from "../crypto/thread-pool-priority.js";
import { algorithmName } from "../crypto/algorithms.js";
import { parseAddress } from "../transport/address.js";

const DEFAULT_LISTEN = "tcp://127.0.0.1:50051";

const USAGE = `Usage: fastgrpc-server [options]

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
  --max-message-bytes N    largest request message accepted (default ${DEFAULT_MAX_MESSAGE_BYTES})
  --max-concurrent-streams N  per connection (default 1000)
  --shutdown-grace-ms N    how long calls in flight may finish on SIGTERM/SIGINT (default ${DEFAULT_SHUTDOWN_GRACE_MS})
  --rsa-bits N             RSA key size: ${RSA_KEY_BITS.join("|")} (default 2048)
  --engine NAME            HTTP/2 engine: ${ENGINE_NAMES.join("|")} (default ${DEFAULT_ENGINE})
  --workers N              worker processes sharing the listeners and keys (default: cores, capped by the
                           cgroup CPU quota: ${processCores()} here; 1 = serve in this process); with more, /metrics (served by the primary) sums
                           the workers' counts and shows CPU and memory per process
  --signing-threads N      threads that sign, per serving process (default: cores / workers, at least 1);
                           0 = sign on libuv's thread pool, one job per signature (node:crypto's callback form)
  -h, --help               show this help

Environment:
  UV_THREADPOOL_SIZE       libuv's pool per process: Verify, key generation, --signing-threads 0
                           (default: cores, shared out between the workers)
  FASTGRPC_POOL_NICE       nice value of the signing threads and of libuv's pool, 0..19 (default 19: the event
                           loop goes first, so other calls keep their latency; 0 = unchanged)
`;

interface ServerConfig {
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
}

async function parseConfig(argv: string[]): Promise<ServerConfig | "help"> {
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
      help: { type: "boolean", short: "h" },
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
    rsaBits,
    listen,
    workers,
    reflection: values["no-reflection"] !== true,
    metricsListen,
    tls,
    allowCids,
    logLevel,
    maxMessageBytes: positiveInteger("max-message-bytes", values["max-message-bytes"], DEFAULT_MAX_MESSAGE_BYTES),
    maxConcurrentStreams: positiveInteger("max-concurrent-streams", values["max-concurrent-streams"], 1000),
    graceMs: positiveInteger("shutdown-grace-ms", values["shutdown-grace-ms"], DEFAULT_SHUTDOWN_GRACE_MS, true),
    engine,
  };
}

/**
 * The server of one process (the only one with --workers 1, else each worker's), services added, not listening.
 * With metrics, it counts calls, connections and signatures into them.
 */
function buildServer(config: ServerConfig, log: Logger, keyring: Keyring, metrics?: ServerMetrics): GrpcServer {
  if (config.signingThreads > 0) {
    // Started by the first Sign (signed on libuv's pool while they start): a server that never signs keeps ~10 MB
    // per thread (docs/scaling.md, footprint).
    keyring.startSigningThreadsOnFirstSign({ threads: config.signingThreads, nice: configuredNice(log), log });
  }
  const server = new GrpcServer({
    log,
    maxMessageBytes: config.maxMessageBytes,
    maxConcurrentStreams: config.maxConcurrentStreams,
    engine: serverEngine(config.engine),
    reflection: config.reflection,
    ...(metrics ? { metrics } : {}),
  });
  server.addService(EchoService, createEchoService(log));
  const signatures = metrics?.indexedCounter("fastgrpc_signatures_total", "Signatures made, by algorithm.", "algorithm", algorithmName);
  server.addService(CryptoService, createCryptoService(keyring, signatures ? { onSigned: (algorithm) => signatures.inc(algorithm) } : {}));
  return server;
}

function listenOptions(config: ServerConfig, url: string, log: Logger): ListenOptions {
  if (url.startsWith("tls://") && config.tls) {
    return { tls: { ...config.tls, onHandshakeError: (error: Error, remote: string) => log.warn({ err: error, remote }, "TLS handshake refused") } };
  }
  if (url.startsWith("vsock://") && config.allowCids) return { allowCids: config.allowCids };
  return {};
}

async function main(argv: string[]): Promise<number> {
  let config: ServerConfig | "help";
  try {
    config = await parseConfig(argv);
  } catch (error) {
    process.stderr.write(`fastgrpc-server: ${describe(error)} (fastgrpc-server --help lists the options)\n`);
    return 2;
  }
  if (config === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  const log = createLogger(config.logLevel, "fastgrpc-server");
  // A bug in one call must not take the server down: log it and keep serving.
  process.on("uncaughtException", (error) => log.error({ err: error }, "uncaught exception"));
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
  // Signing threads yield the core to the event loop, so other calls keep their latency (FASTGRPC_POOL_NICE).
  await yieldThreadPoolToEventLoop({ log });

  // A worker gets its keys from the primary, which logged them; it only builds its server and listens.
  // TLS material, the CID allowlist and whether to count metrics come in the primary's start message too.
  if (isWorkerProcess()) {
    return runWorker({
      log,
      graceMs: config.graceMs,
      createServer: (keyring, metrics) => {
        const server = buildServer(config, log, keyring, metrics);
        // Start-up's garbage (modules, the key hand-over) is behind us: give its memory back (docs/scaling.md).
        setImmediate(trimIdleHeap);
        return server;
      },
    });
  }
  // Every key exists before the first listen, so no call can arrive before its key. Key ids only, never key material.
  const keyring = await generateKeyring({ rsaBits: config.rsaBits });
  for (const key of keyring.list()) {
    log.info({ keyType: keyTypeName(key.keyType), key: key.description, keyId: key.keyId }, "signing key generated");
  }
  if (config.workers > 1) {
    return runPrimary({
      workers: config.workers,
      listen: config.listen,
      keyring,
      graceMs: config.graceMs,
      log,
      workerEnv: workerPoolEnv(config.workers),
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      ...(config.allowCids !== undefined ? { allowCids: config.allowCids } : {}),
      ...(config.metricsListen !== undefined
        ? { metrics: { listen: config.metricsListen, onListening: (url: string) => process.stdout.write(`fastgrpc-server metrics on ${url}\n`) } }
        : {}),
      onListening: (urls) => {
        for (const url of urls) {
          log.info({ url, engine: config.engine, workers: config.workers }, "listening");
          process.stdout.write(`fastgrpc-server listening on ${url} (engine ${config.engine}, ${config.workers} workers)\n`);
        }
        trimIdleHeap();
      },
      onStartFailure: (reason) => process.stderr.write(`fastgrpc-server: ${reason}\n`),
    }).catch((error: unknown) => {
      process.stderr.write(`fastgrpc-server: ${describe(error)}\n`);
      return 1;
    });
  }
  const metrics = config.metricsListen !== undefined ? new ServerMetrics() : undefined;
  const server = buildServer(config, log, keyring, metrics);
  let metricsEndpoint: MetricsEndpoint | undefined;

  for (const url of config.listen) {
    try {
      const listener = await server.listen(url, listenOptions(config, url, log));
      log.info({ url: listener.url, engine: server.engineName }, "listening");
      process.stdout.write(`fastgrpc-server listening on ${listener.url} (engine ${server.engineName})\n`);
    } catch (error) {
      process.stderr.write(`fastgrpc-server: cannot listen on ${url}: ${describe(error)}\n`);
      await server.shutdown(0);
      return 1;
    }
  }
  if (metrics && config.metricsListen !== undefined) {
    try {
      metricsEndpoint = await serveMetrics(config.metricsListen, metrics);
      log.info({ url: metricsEndpoint.url }, "metrics");
      process.stdout.write(`fastgrpc-server metrics on ${metricsEndpoint.url}\n`);
    } catch (error) {
      process.stderr.write(`fastgrpc-server: cannot serve metrics on ${config.metricsListen}: ${describe(error)}\n`);
      await server.shutdown(0);
      return 1;
    }
  }

  trimIdleHeap();
  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) {
        log.warn({ signal }, "second signal: exiting now");
        resolve(1);
        return;
      }
      stopping = true;
      log.info({ signal, graceMs: config.graceMs }, "shutting down");
      Promise.all([server.shutdown(config.graceMs), metricsEndpoint?.close()]).then(
        () => { log.info("stopped"); resolve(0); },
        (error: unknown) => { log.error({ err: error }, "shutdown failed"); resolve(1); },
      );
    };
    process.on("SIGINT", stop);
    process.on("SIGTERM", stop);
  });
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`fastgrpc-server: ${describe(error)}\n`);
  process.exit(1);
});
