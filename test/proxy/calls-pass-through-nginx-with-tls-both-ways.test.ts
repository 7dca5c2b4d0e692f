/**
 * nginx with TLS both ways: clients reach nginx over TLS (ALPN h2) and nginx reaches a fastgrpc server that listens
 * on tls:// only, with `grpc_pass grpcs://` verifying the server's certificate (grpc_ssl_verify against the test CA,
 * name "localhost"). Our client (tls:// + CA) on each engine: unary, server and bidi streaming, trailers-only
 * errors, 4 MiB messages; Python grpcio (gRPC's C core) with the CA: an echo, early answers (RESOURCE_EXHAUSTED,
 * UNIMPLEMENTED, a handler failing while the client streams). And nginx refusing a backend whose certificate its
 * CA did not sign: the call fails with UNAVAILABLE (HTTP 502), which shows the backend hop is verified TLS.
 * Certificates come from the openssl CLI (test/tls/certificates.ts); nginx is started here (test/proxy/support).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { StreamTestService, chunkRequests } from "../support/stream-test-service.js";
import { makeTestPki, type TestPki } from "../tls/certificates.js";
import { startProxiedServer, type ProxiedServer } from "./support/proxied-server.js";
import { missingProxy, startProxy, type RunningProxy } from "./support/proxies.js";
import { rejectsWithCode } from "../support/grpc-errors.js";

const MIB = 1024 * 1024;
const methods = StreamTestService.method;
const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../../test/proxy/python_proxy_client.py", import.meta.url));
const run = promisify(execFile);


function missingGrpcio(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import grpc"], { encoding: "utf8" });
  const why = probe.error || probe.status !== 0 ? "python3-grpcio missing (apt-get install python3-grpcio)" : undefined;
  if (why !== undefined && process.env.INTEROP_TOOLS_REQUIRED === "1") assert.fail(`INTEROP_TOOLS_REQUIRED=1 but ${why}`);
  return why;
}

const missing = missingProxy("nginx");

for (const engine of ENGINES) {
  describe(`nginx with TLS both ways: client -> TLS -> nginx -> grpcs -> fastgrpc tls:// (engine ${engine.name})`, () => {
    let pki: TestPki | undefined;
    let backend: ProxiedServer | undefined;
    let proxy: RunningProxy | undefined;
    const clients: GrpcClient[] = [];
    before(async () => {
      if (missing !== undefined) return;
      pki = makeTestPki();
      backend = await startProxiedServer(engine.server, { cert: pki.serverCert, key: pki.serverKey });
      proxy = await startProxy("nginx", join(pki.dir, "nginx"), backend.port, pki, { trustedCa: join(pki.dir, "ca.crt") });
    });
    after(async () => {
      for (const c of clients) await c.close(true);
      await proxy?.stop();
      await backend?.server.shutdown(500);
      pki?.remove();
    });
    const client = (): GrpcClient => {
      if (proxy === undefined || pki === undefined) throw new Error("nginx not started");
      const c = new GrpcClient(`tls://127.0.0.1:${proxy.tlsPort}`, { engine: engine.client, maxMessageBytes: 8 * MIB, connectTimeoutMs: 5000, tls: { ca: pki.caCert } });
      clients.push(c);
      return c;
    };
    const skip = (t: { skip(why: string): void }): boolean => {
      if (missing === undefined) return false;
      t.skip(missing);
      return true;
    };

    it("our client: unary, server streaming and bidi streaming", async (t) => {
      if (skip(t)) return;
      const c = client();
      const reply = await c.unary(EchoService.method.echo, { payload: Buffer.from("tls both ways") }, { timeoutMs: 10_000 });
      assert.equal(Buffer.from(reply.payload).toString(), "tls both ways");
      const counted: number[] = [];
      for await (const chunk of c.serverStream(methods.count, { count: 20, payloadBytes: 1000 })) counted.push(chunk.index);
      assert.deepEqual(counted, Array.from({ length: 20 }, (_, i) => i));
      const piped: number[] = [];
      for await (const chunk of c.bidiStream(methods.pipe, chunkRequests(25, 100))) piped.push(chunk.index);
      assert.deepEqual(piped, Array.from({ length: 25 }, (_, i) => i));
    });

    it("our client: trailers-only errors keep their code and message", async (t) => {
      if (skip(t)) return;
      const c = client();
      await rejectsWithCode(c.unary(EchoService.method.echo, { payload: Buffer.from("status:9:not now") }), Code.FAILED_PRECONDITION, /^not now$/);
      await rejectsWithCode(c.callRaw("/no.such.Service/Method", new Uint8Array(0)), Code.UNIMPLEMENTED, /no\.such\.Service/);
    });

    it("our client: 4 MiB messages both ways, unary, server streaming and client streaming", async (t) => {
      if (skip(t)) return;
      const c = client();
      const payload = new Uint8Array(4 * MIB).fill(0x5a);
      const reply = await c.unary(EchoService.method.echo, { payload }, { timeoutMs: 20_000 });
      assert.ok(Buffer.from(reply.payload).equals(payload));
      const sizes: number[] = [];
      for await (const chunk of c.serverStream(methods.count, { count: 2, payloadBytes: 4 * MIB }, { timeoutMs: 30_000 })) sizes.push(chunk.payload.length);
      assert.deepEqual(sizes, [4 * MIB, 4 * MIB]);
      const total = await c.clientStream(methods.sum, chunkRequests(2, 4 * MIB), { timeoutMs: 30_000 });
      assert.equal(total.bytes, BigInt(8 * MIB));
    });

    it("Python grpcio with the CA: an echo and every early answer keep their status", async (t) => {
      if (skip(t)) return;
      const noPython = missingGrpcio();
      if (noPython !== undefined) return t.skip(noPython);
      assert.ok(proxy !== undefined && pki !== undefined);
      const { stdout } = await run(PYTHON, [SCRIPT, `127.0.0.1:${proxy.tlsPort}`, "--ca", join(pki.dir, "ca.crt"), "echo", "too_large", "unknown_method", "status_error", "handler_error_early"], { timeout: 60_000 });
      const seen = JSON.parse(stdout) as Record<string, { code: string; details: string } | undefined>;
      const log = `${stdout}\n${proxy.log()}`;
      assert.equal(seen.echo?.code, "OK", log);
      assert.equal(seen.too_large?.code, "RESOURCE_EXHAUSTED", log);
      assert.equal(seen.unknown_method?.code, "UNIMPLEMENTED", log);
      assert.equal(seen.status_error?.code, "FAILED_PRECONDITION", log);
      assert.equal(seen.handler_error_early?.code, "FAILED_PRECONDITION", log);
    });
  });
}

describe("nginx grpcs:// verifies the backend's certificate", () => {
  it("a backend certificate the trusted CA did not sign: the call fails with UNAVAILABLE (nginx answers 502)", async (t) => {
    if (missing !== undefined) return t.skip(missing);
    const engine = ENGINES[0];
    assert.ok(engine !== undefined);
    const pki = makeTestPki();
    const backend = await startProxiedServer(engine.server, { cert: pki.serverCert, key: pki.serverKey });
    const proxy = await startProxy("nginx", join(pki.dir, "nginx"), backend.port, pki, { trustedCa: join(pki.dir, "rogue-ca.crt") });
    const c = new GrpcClient(`tls://127.0.0.1:${proxy.tlsPort}`, { connectTimeoutMs: 5000, tls: { ca: pki.caCert } });
    try {
      await rejectsWithCode(c.unary(EchoService.method.echo, { payload: Buffer.from("x") }, { timeoutMs: 10_000 }), Code.UNAVAILABLE);
      assert.match(proxy.log(), /certificate verify failed|upstream SSL certificate verify error/, "nginx logged why");
    } finally {
      await c.close(true);
      await proxy.stop();
      await backend.server.shutdown(100);
      pki.remove();
    }
  });
});
