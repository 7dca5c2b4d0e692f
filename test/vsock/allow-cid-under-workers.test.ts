/**
 * fastgrpc-server --workers 2 --allow-cid, inside the test VM (every connection there comes from CID 1): the
 * primary and its worker, which both accept on the VSOCK listener the primary opened, apply the allowlist
 * themselves. A listed CID is served; an unlisted one is closed before any HTTP/2 byte, logged at warn by the
 * process that accepted it, and counted in the primary's /metrics (fastgrpc_server_connections_refused_total,
 * summed over the processes).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { EchoService } from "../../src/services/echo.js";
import { parseAddress } from "../../src/transport/address.js";
import { type ServerProcess, startServerCli, serverLogLines } from "../support/cli.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";
import { assertRefusedBeforeHttp2 } from "./helpers.js";

const LOCAL_CID = 1;
const OPTIONS = { skip: vsockVmSkip(), timeout: 300_000 };

function start(allow: string): Promise<ServerProcess> {
  return startServerCli(["--workers", "2", "--listen", "vsock://any:0", "--allow-cid", allow,
    "--metrics-listen", "tcp://127.0.0.1:0", "--log-level", "warn"], 1, 240_000);
}

/** vsock://any:PORT as printed → the address a client in the guest dials. */
function localTarget(server: ServerProcess): string {
  const port = parseAddress(server.urls[0] ?? assert.fail("no url"), true).port;
  return `vsock://${LOCAL_CID}:${port}`;
}

async function scrape(server: ServerProcess): Promise<string> {
  const at = /metrics on tcp:\/\/(\S+)/.exec(server.stdout())?.[1] ?? assert.fail(server.stdout());
  return (await fetch(`http://${at}/metrics`)).text();
}

test("--workers 2 --allow-cid: a listed CID is served", OPTIONS, async () => {
  requireVsockVm();
  const server = await start(String(LOCAL_CID));
  try {
    const target = localTarget(server);
    for (let i = 0; i < 4; i++) {
      const client = new GrpcClient(target, { connectTimeoutMs: 30_000 });
      try {
        const reply = await client.unary(EchoService.method.echo, { payload: Buffer.from(`allowed ${i}`) }, { timeoutMs: 60_000 });
        assert.equal(Buffer.from(reply.payload).toString(), `allowed ${i}`);
      } finally {
        await client.close(true);
      }
    }
    const metrics = await scrape(server);
    assert.match(metrics, /^fastgrpc_server_connections_accepted_total\{transport="vsock"\} 4$/m);
    assert.doesNotMatch(metrics, /^fastgrpc_server_connections_refused_total\{transport="vsock"\} [1-9]/m);
  } finally {
    const finished = await server.stop("SIGTERM");
    assert.equal(finished.code, 0, finished.stderr);
  }
});

test("--workers 2 --allow-cid: an unlisted CID is closed by the accepting process before any HTTP/2 byte, logged and counted", OPTIONS, async () => {
  requireVsockVm();
  const server = await start("3,4");
  try {
    const target = localTarget(server);
    const attempts = 4;
    await assertRefusedBeforeHttp2(target, { connections: attempts, connectTimeoutMs: 30_000, callTimeoutMs: 60_000 });
    // A process logs a refusal before it can answer the scrape: once the scrape is back, its log lines are written.
    const refused = Number(/^fastgrpc_server_connections_refused_total\{transport="vsock"\} (\d+)$/m.exec(await scrape(server))?.[1]);
    assert.ok(refused >= attempts + 1, `refused_total ${refused}`);
    let refusals = serverLogLines(server).filter((line) => line.msg === "connection refused: CID not on the allowlist");
    for (let i = 0; i < 100 && refusals.length < refused; i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refusals = serverLogLines(server).filter((line) => line.msg === "connection refused: CID not on the allowlist");
    }
    assert.equal(refusals.length, refused, `every refusal logged once and counted once, over both processes: ${server.stderr()}`);
    for (const line of refusals) {
      assert.equal(line.level, 40, "warn");
      assert.match(String(line.peer), /^vsock:1:\d+$/);
      assert.equal(line.allowed, "3,4");
    }
  } finally {
    const finished = await server.stop("SIGTERM");
    assert.equal(finished.code, 0, finished.stderr);
  }
});
