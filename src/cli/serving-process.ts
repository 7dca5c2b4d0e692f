/**
 * A serving process of fastgrpc-server: the GrpcServer with Echo and Crypto (the only one with --workers 1, else each
 * worker's), and serving in this process until SIGTERM/SIGINT. Loaded only by processes that serve, not by a
 * multi-worker server's primary.
 */
import { createH2ServerEngine } from "../engine/h2/index.js";
import type { ServerEngineFactory } from "../engine/types.js";
import type { Logger } from "../log/logger.js";
import { GrpcServer } from "../server/server.js";
import { AcceptPolicy } from "../server/accept-policy.js";
import { SignalDrain } from "../server/signal-drain.js";
import { createEchoService, EchoService } from "../services/echo.js";
import type { Keyring } from "../crypto/keyring.js";
import { CryptoService } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
import { createCryptoService } from "../services/crypto.js";
import { ServerMetrics } from "../server/metrics.js";
import { serveMetrics, type MetricsEndpoint } from "../server/metrics-http.js";
import { configuredNice } from "../crypto/thread-pool-priority.js";
import { algorithmName } from "../crypto/algorithms.js";
import { describe } from "./args.js";
import type { ServerConfig } from "./server-config.js";
import { trimIdleHeap } from "./trim-idle-heap.js";

/**
 * The engine --engine names, loading only that one: the own engine is the default (GrpcServer imports it anyway);
 * node:http2 (with node:http and node:tls, ~3 MB RSS) only for --engine node. src/engine/registry.ts would load both.
 */
export async function loadServerEngine(name: ServerConfig["engine"]): Promise<ServerEngineFactory> {
  switch (name) {
    case "h2": return createH2ServerEngine;
    case "node": return (await import("../engine/node/server.js")).createNodeServerEngine;
  }
}

/**
 * The server of one process (the only one with --workers 1, else each worker's), services added, not listening.
 * With metrics, it counts calls, connections and signatures into them.
 */
export function buildServer(config: ServerConfig, log: Logger, engine: ServerEngineFactory, keyring: Keyring, metrics?: ServerMetrics): GrpcServer {
  if (config.signingThreads > 0) {
    // Started by the first Sign (signed on libuv's pool while they start): a server that never signs keeps ~10 MB
    // per thread (docs/scaling.md, footprint).
    keyring.startSigningThreadsOnFirstSign({ threads: config.signingThreads, nice: configuredNice(log), log });
  }
  const server = new GrpcServer({
    log,
    maxMessageBytes: config.maxMessageBytes,
    maxConcurrentStreams: config.maxConcurrentStreams,
    engine,
    reflection: config.reflection,
    ...(metrics ? { metrics } : {}),
    ...(config.keepalive ? { keepalive: config.keepalive } : {}),
  });
  server.addService(EchoService, createEchoService(log, { maxMessageBytes: config.maxMessageBytes }));
  const signatures = metrics?.indexedCounter("fastgrpc_signatures_total", "Signatures made, by algorithm.", "algorithm", algorithmName);
  server.addService(CryptoService, createCryptoService(keyring, signatures ? { onSigned: (algorithm) => signatures.inc(algorithm) } : {}));
  return server;
}

/** Serves in this process (--workers 1) until SIGTERM/SIGINT; resolves the exit code. */
export async function serveInProcess(config: ServerConfig, log: Logger, engine: ServerEngineFactory, keyring: Keyring): Promise<number> {
  const metrics = config.metricsListen !== undefined ? new ServerMetrics() : undefined;
  const server = buildServer(config, log, engine, keyring, metrics);
  // The same accept policy (TLS, CID allowlist, their logs) as each worker applies.
  const policy = new AcceptPolicy({ ...(config.tls !== undefined ? { tls: config.tls } : {}), ...(config.allowCids !== undefined ? { allowCids: config.allowCids } : {}) }, log, metrics);
  let metricsEndpoint: MetricsEndpoint | undefined;

  for (const url of config.listen) {
    try {
      const listener = await server.listen(url, policy.listenOptions(url));
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

  if (config.lowMemory) trimIdleHeap();
  // The same signal-driven drain as each worker runs.
  const drain = new SignalDrain({
    log,
    graceMs: config.graceMs,
    message: "shutting down",
    drain: async (graceMs) => {
      await Promise.all([server.shutdown(graceMs), metricsEndpoint?.close()]);
      log.info("stopped");
    },
  });
  return drain.exitCode;
}
