/**
 * Reference clients reach our server through the fleet target forms (docs/fleet.md), on both engines:
 * - @grpc/grpc-js with dns:///localhost:PORT and with ipv4: lists under a round_robin service config (calls spread
 *   evenly over two of our servers), and over unix:///PATH;
 * - gRPC C-core (Debian's python3-grpcio) over unix:///PATH, unix:PATH and unix-abstract:NAME. Without
 *   python3-grpcio that test skips, saying why; with INTEROP_TOOLS_REQUIRED=1 (CI, .ci/run installs it) it fails.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import * as grpc from "@grpc/grpc-js";
import { GrpcServer } from "../../src/server/server.js";
import { silentLogger } from "../../src/log/logger.js";
import { createEchoService, EchoService } from "../../src/services/echo.js";
import { parseAddress } from "../../src/transport/address.js";
import { ENGINES, type EngineUnderTest } from "../support/engines.js";

const ECHO = "/fastgrpc.echo.v1.EchoService/Echo";
const PYTHON = "/usr/bin/python3";

/** EchoRequest/EchoResponse { bytes payload = 1 } by hand, so both reference clients send raw bytes. */
function echoMessage(text: string): Buffer {
  const payload = Buffer.from(text);
  if (payload.length > 127) throw new Error("short payloads only");
  return Buffer.concat([Buffer.from([0x0a, payload.length]), payload]);
}

/** Our Echo server on `listen` URLs, counting the calls it answers. */
async function countingEcho(engine: EngineUnderTest, listen: readonly string[]) {
  const server = new GrpcServer({ log: silentLogger(), engine: engine.server });
  const base = createEchoService(silentLogger());
  const state = { calls: 0, urls: [] as string[], server };
  server.addService(EchoService, { ...base, echo: (request, context) => { state.calls++; return base.echo(request, context); } });
  for (const url of listen) state.urls.push((await server.listen(url)).url);
  return state;
}

function grpcJsEcho(client: grpc.Client, text: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(ECHO, (b: Buffer) => b, (b: Buffer) => b, echoMessage(text), { deadline: Date.now() + 10_000 },
      (error, reply) => (error || reply === undefined ? reject(error ?? new Error("no reply")) : resolve(reply)));
  });
}

const ROUND_ROBIN = { "grpc.service_config": JSON.stringify({ loadBalancingConfig: [{ round_robin: {} }] }) };

function missingGrpcio(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import grpc"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} not found (apt-get install python3-grpcio)`;
  if (probe.status !== 0) return `python3-grpcio missing (apt-get install python3-grpcio): ${probe.stderr.trim()}`;
  return undefined;
}

/** Calls Echo through C-core once per target; prints one reply line per target. */
const PYTHON_UNIX_CLIENT = `
import sys, grpc
for target in sys.argv[1:]:
    with grpc.insecure_channel(target) as channel:
        echo = channel.unary_unary("${ECHO}")
        reply = echo(bytes([0x0a, 6]) + b"grpcio", timeout=10)
        print(target, reply[2:].decode())
`;

for (const engine of ENGINES) {
  test(`${engine.name}: grpc-js reaches our server by dns:///localhost, spreads an ipv4: list with round_robin, and uses unix:`, async (t) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-fleet-interop-"));
    const socket = path.join(dir, "echo.sock");
    const a = await countingEcho(engine, ["tcp://127.0.0.1:0", `unix://${socket}`]);
    const b = await countingEcho(engine, ["tcp://127.0.0.2:0"]);
    const clients: grpc.Client[] = [];
    t.after(async () => {
      for (const client of clients) client.close();
      await a.server.shutdown(100);
      await b.server.shutdown(100);
      await rm(dir, { recursive: true, force: true });
    });
    const portOf = (url: string | undefined) => parseAddress(url ?? "").port ?? 0;
    const client = (target: string) => {
      const made = new grpc.Client(target, grpc.credentials.createInsecure(), ROUND_ROBIN);
      clients.push(made);
      return made;
    };

    const byDns = client(`dns:///localhost:${portOf(a.urls[0])}`);
    assert.equal((await grpcJsEcho(byDns, "dns")).subarray(2).toString(), "dns");

    const list = client(`ipv4:127.0.0.1:${portOf(a.urls[0])},127.0.0.2:${portOf(b.urls[0])}`);
    // round_robin connects to every address first; count once both are ready.
    await Promise.all(Array.from({ length: 10 }, (_, i) => grpcJsEcho(list, `warm ${i}`)));
    const before = [a.calls, b.calls];
    for (let i = 0; i < 10; i++) await grpcJsEcho(list, `rr ${i}`);
    assert.deepEqual([a.calls - (before[0] ?? 0), b.calls - (before[1] ?? 0)], [5, 5], "round_robin alternates over our two servers");

    const byUnix = client(`unix://${socket}`);
    assert.equal((await grpcJsEcho(byUnix, "unix")).subarray(2).toString(), "unix");
  });

  test(`${engine.name}: gRPC C-core (python3-grpcio) reaches our server over unix:///PATH, unix:PATH and unix-abstract:NAME`, async (t) => {
    const missing = missingGrpcio();
    if (missing !== undefined) {
      if (process.env.INTEROP_TOOLS_REQUIRED === "1") assert.fail(`INTEROP_TOOLS_REQUIRED=1 but ${missing}`);
      t.skip(missing);
      return;
    }
    const dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-fleet-grpcio-"));
    const socket = path.join(dir, "echo.sock");
    const abstract = `fastgrpc-grpcio-${process.pid}-${engine.name}`;
    const server = await countingEcho(engine, [`unix://${socket}`, `unix-abstract:${abstract}`]);
    t.after(async () => {
      await server.server.shutdown(100);
      await rm(dir, { recursive: true, force: true });
    });
    const targets = [`unix://${socket}`, `unix:${socket}`, `unix-abstract:${abstract}`];
    const { stdout } = await promisify(execFile)(PYTHON, ["-c", PYTHON_UNIX_CLIENT, ...targets], { timeout: 30_000 });
    assert.deepEqual(stdout.trim().split("\n"), targets.map((target) => `${target} grpcio`));
    assert.equal(server.calls, 3);
  });
}
