// fastgrpc-server's keepalive / connection management flags: parsed into GrpcServer's `keepalive` option (none given:
// none at all), bad values are usage errors, and a running server with --max-connection-age-ms sends GOAWAY.
import assert from "node:assert/strict";
import { test } from "node:test";
import { parseConfig, USAGE } from "../../src/cli/server-config.js";
import { UsageError } from "../../src/cli/args.js";
import { RawPeer } from "../h2/support/raw-peer.js";
import { T } from "../h2/support/frames.js";
import { startServerCli } from "../support/cli.js";

async function keepaliveOf(args: string[]) {
  const config = await parseConfig(["--workers", "1", ...args]);
  assert.notEqual(config, "help");
  return config === "help" ? undefined : config.keepalive;
}

test("no keepalive flag: no connection management; each flag lands in its option", async () => {
  assert.equal(await keepaliveOf([]), undefined);
  assert.deepEqual(await keepaliveOf([
    "--keepalive-time-ms", "60000", "--keepalive-timeout-ms", "5000", "--keepalive-min-ping-interval-ms", "10000",
    "--keepalive-permit-without-stream", "--max-connection-idle-ms", "300000", "--max-connection-age-ms", "1800000",
    "--max-connection-age-grace-ms", "30000",
  ]), {
    timeMs: 60000, timeoutMs: 5000, minPingIntervalMs: 10000, permitWithoutStream: true,
    maxConnectionIdleMs: 300000, maxConnectionAgeMs: 1800000, maxConnectionAgeGraceMs: 30000,
  });
  assert.deepEqual(await keepaliveOf(["--max-connection-age-ms", "1000"]), { maxConnectionAgeMs: 1000 });
});

test("a bad duration is a usage error; the help lists the flags", async () => {
  await assert.rejects(keepaliveOf(["--max-connection-age-ms", "soon"]), (error) => error instanceof UsageError && /max-connection-age-ms/.test(error.message));
  await assert.rejects(keepaliveOf(["--keepalive-time-ms=-5"]), UsageError);
  for (const flag of ["--keepalive-time-ms", "--keepalive-min-ping-interval-ms", "--max-connection-age-grace-ms"]) assert.ok(USAGE.includes(flag), flag);
});

test("fastgrpc-server --max-connection-age-ms sends GOAWAY to an aged connection", async () => {
  const server = await startServerCli(["--listen", "tcp://127.0.0.1:0", "--workers", "1", "--log-level", "warn", "--max-connection-age-ms", "200"]);
  try {
    const url = server.urls[0] ?? "";
    const peer = await RawPeer.connect(Number(url.slice(url.lastIndexOf(":") + 1)));
    await peer.handshake();
    const goaway = await peer.next((f) => f.type === T.GOAWAY, 5000);
    assert.equal(goaway.payload.readUInt32BE(4), 0, "NO_ERROR");
    peer.close();
  } finally {
    await server.stop();
  }
});
