/**
 * A stand-in for fastgrpc-server with --workers (the same wiring the CLI gets): the primary generates the keys,
 * serves and forks; each worker builds Echo + Crypto around the keys it receives.
 *   node server-entry.js --workers N --listen URL [--grace-ms N] [--log-level L]
 */
import { parseArgs } from "node:util";
import { Keyring } from "../../../src/crypto/keyring.js";
import { generateKeySet } from "../../../src/crypto/keyring-keys.js";
import { keySetFromStartPayload, keyringStartPayload } from "../../../src/crypto/keyring-start-payload.js";
import { CryptoService } from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { createLogger, isLogLevel, type Logger } from "../../../src/log/logger.js";
import { GrpcServer } from "../../../src/server/server.js";
import { isWorkerProcess, runPrimary, runWorker } from "../../../src/server/workers/index.js";
import { createCryptoService } from "../../../src/services/crypto.js";
import { createEchoService, EchoService } from "../../../src/services/echo.js";

const { values } = parseArgs({
  options: {
    workers: { type: "string", default: "2" },
    listen: { type: "string", multiple: true },
    "grace-ms": { type: "string", default: "2000" },
    "log-level": { type: "string", default: "info" },
    "max-concurrent-streams": { type: "string", default: "1000" },
  },
});
const level = values["log-level"];
const log = createLogger(isLogLevel(level) ? level : "info", "fastgrpc-server");
const graceMs = Number(values["grace-ms"]);
const listen = values.listen ?? ["tcp://127.0.0.1:0"];

function buildServer(logger: Logger, keyring: Keyring): GrpcServer {
  const server = new GrpcServer({ log: logger, maxConcurrentStreams: Number(values["max-concurrent-streams"]) });
  server.addService(EchoService, createEchoService(logger));
  server.addService(CryptoService, createCryptoService(keyring));
  return server;
}

async function main(): Promise<number> {
  if (isWorkerProcess()) return runWorker({ log, graceMs, createServer: (payload) => buildServer(log, new Keyring(keySetFromStartPayload(payload))) });
  const keys = await generateKeySet();
  return runPrimary({
    workers: Number(values.workers),
    serve: () => buildServer(log, new Keyring(keys)),
    listen,
    startPayload: keyringStartPayload(keys),
    graceMs,
    log,
    restart: { minUptimeMs: 1000, initialDelayMs: 100 },
    onListening: (urls) => {
      for (const url of urls) process.stdout.write(`fastgrpc-server listening on ${url} (pid ${process.pid})\n`);
    },
  });
}

main().then((code) => process.exit(code), (error: unknown) => {
  process.stderr.write(`server-entry: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
