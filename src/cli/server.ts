#!/usr/bin/env node
// fastgrpc-server. threadpool.js first: it sizes libuv's pool before anything starts it.
import { workerPoolEnv } from "./threadpool.js";
import { createLogger } from "../log/logger.js";
import { keyTypeName } from "../crypto/algorithms.js";
import { generateKeyring } from "../crypto/keyring.js";
import { keyringFromStartPayload, keyringStartPayload } from "../crypto/keyring-start-payload.js";
import { isWorkerProcess, runPrimary, runWorker } from "../server/workers/index.js";
import { yieldThreadPoolToEventLoop } from "../crypto/thread-pool-priority.js";
import { describe } from "./args.js";
import { USAGE, parseConfig, type ServerConfig } from "./server-config.js";
import { trimIdleHeap } from "./trim-idle-heap.js";
// Imported statically although a multi-worker primary never serves (~2.5 MB it need not hold): loaded lazily, after
// the keys and the thread pool, the same server code served the 64-byte echo measurably slower in A/B runs here
// (docs/scaling.md, footprint), and the echo path must not get slower.
import { buildServer, serveInProcess } from "./serving-process.js";
import { capYoungGeneration } from "../runtime/young-generation.js";

// At start-up, once: large messages then die in scavenges, not Mark-Compacts (runtime/young-generation.ts).
capYoungGeneration();

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
      createServer: (payload, metrics) => {
        const server = buildServer(config, log, keyringFromStartPayload(payload), metrics);
        // Start-up's garbage (modules, the key hand-over) is behind us: give its memory back (docs/scaling.md).
        if (config.lowMemory) setImmediate(trimIdleHeap);
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
      startPayload: keyringStartPayload(keyring),
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
        if (config.lowMemory) trimIdleHeap();
      },
      onStartFailure: (reason) => process.stderr.write(`fastgrpc-server: ${reason}\n`),
    }).catch((error: unknown) => {
      process.stderr.write(`fastgrpc-server: ${describe(error)}\n`);
      return 1;
    });
  }
  return serveInProcess(config, log, keyring);
}

main(process.argv.slice(2)).then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`fastgrpc-server: ${describe(error)}\n`);
  process.exit(1);
});
