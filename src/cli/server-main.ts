// fastgrpc-server, loaded by server.ts once the process runs with its start-up settings. threadpool.js first: it
// sizes libuv's pool before anything starts it.
import { sizeThreadPoolFor } from "./threadpool.js";
import cluster from "node:cluster";
import { createLogger } from "../log/logger.js";
import { keyTypeName } from "../crypto/algorithms.js";
import { generateKeySet } from "../crypto/keyring-keys.js";
import { yieldThreadPoolToEventLoop } from "../crypto/thread-pool-priority.js";
import { describe } from "./args.js";
import { USAGE, parseConfig, type ServerConfig } from "./server-config.js";
import { capYoungGeneration } from "../runtime/young-generation.js";

// Large messages then die in scavenges, not Mark-Compacts (runtime/young-generation.ts). A no-op after the entry's
// restart, which starts node with the cap as a flag; it counts where node could not restart (no process.execve).
capYoungGeneration();

// Every process serves: a multi-worker primary serves beside its workers (server/workers/primary.ts). Only the
// engine --engine names is loaded (serving-process.ts), and the primary's supervision only where it is one.

/** What a serving process runs: the server and its engine, the keyring, the worker side of node:cluster. */
async function servingModules(config: ServerConfig) {
  const [serving, { runWorker }, { Keyring }, { keySetFromStartPayload }, { trimIdleHeap }] = await Promise.all([
    import("./serving-process.js"),
    import("../server/workers/worker.js"),
    import("../crypto/keyring.js"),
    import("../crypto/keyring-start-payload.js"),
    import("./trim-idle-heap.js"),
  ]);
  const engine = await serving.loadServerEngine(config.engine);
  return { ...serving, engine, runWorker, Keyring, keySetFromStartPayload, trimIdleHeap };
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
  sizeThreadPoolFor(config.workers);
  // Every process serves, and loads what it serves with first, before the logger, the pool's
  // priority and the keys: loaded after them, the same echo code served 2-3x fewer calls/s in h2load runs here, with
  // hot functions left unoptimized (docs/scaling.md, footprint; why is not understood).
  const serving = await servingModules(config);
  const log = createLogger(config.logLevel, "fastgrpc-server");
  // A bug in one call must not take the server down: log it and keep serving.
  process.on("uncaughtException", (error) => log.error({ err: error }, "uncaught exception"));
  process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled rejection"));
  // Signing threads yield the core to the event loop, so other calls keep their latency (FASTGRPC_POOL_NICE).
  await yieldThreadPoolToEventLoop({ log });

  // A worker gets its keys from the primary, which logged them; it only builds its server and listens.
  // TLS material, the CID allowlist and whether to count metrics come in the primary's start message too.
  if (cluster.isWorker) {
    const { runWorker, buildServer, engine, Keyring, keySetFromStartPayload, trimIdleHeap } = serving;
    return runWorker({
      log,
      graceMs: config.graceMs,
      createServer: (payload, metrics) => {
        const server = buildServer(config, log, engine, new Keyring(keySetFromStartPayload(payload)), metrics);
        // Start-up's garbage (modules, the key hand-over) is behind us: give its memory back (docs/scaling.md).
        if (config.lowMemory) setImmediate(trimIdleHeap);
        return server;
      },
    });
  }
  // Every key exists before the first listen, so no call can arrive before its key. Key ids only, never key material.
  // The primary keeps them as a KeySet to hand to (replacement) workers, and signs with them as a Keyring.
  const keys = await generateKeySet({ rsaBits: config.rsaBits });
  for (const key of keys.list()) {
    log.info({ keyType: keyTypeName(key.keyType), key: key.description, keyId: key.keyId }, "signing key generated");
  }
  if (config.workers > 1) {
    const [{ runPrimary }, { keyringStartPayload }] = await Promise.all([
      import("../server/workers/primary.js"),
      import("../crypto/keyring-start-payload.js"),
    ]);
    const { buildServer, engine, Keyring, trimIdleHeap } = serving;
    return runPrimary({
      workers: config.workers,
      serve: (metrics) => buildServer(config, log, engine, new Keyring(keys), metrics),
      listen: config.listen,
      startPayload: keyringStartPayload(keys),
      graceMs: config.graceMs,
      log,
      ...(config.tls !== undefined ? { tls: config.tls } : {}),
      ...(config.allowCids !== undefined ? { allowCids: config.allowCids } : {}),
      ...(config.metricsListen !== undefined
        ? { metrics: { listen: config.metricsListen, onListening: (url: string) => process.stdout.write(`fastgrpc-server metrics on ${url}\n`) } }
        : {}),
      onListening: (urls) => {
        for (const url of urls) {
          log.info({ url, engine: config.engine, workers: config.workers }, "listening");
          process.stdout.write(`fastgrpc-server listening on ${url} (engine ${config.engine}, ${config.workers} serving processes)\n`);
        }
        // As each worker does (and a single process): start-up's garbage goes back with --low-memory.
        if (config.lowMemory) trimIdleHeap();
      },
      onStartFailure: (reason) => process.stderr.write(`fastgrpc-server: ${reason}\n`),
    }).catch((error: unknown) => {
      process.stderr.write(`fastgrpc-server: ${describe(error)}\n`);
      return 1;
    });
  }
  return serving.serveInProcess(config, log, serving.engine, new serving.Keyring(keys));
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`fastgrpc-server: ${describe(error)}\n`);
  process.exit(1);
});
