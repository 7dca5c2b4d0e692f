/**
 * Every answer the server gives before the request has ended reaches a client through nginx and HAProxy with its
 * status: Python grpcio (gRPC's C core) sees RESOURCE_EXHAUSTED for a message over the limit, UNIMPLEMENTED, the
 * handler's own code when it fails while the client still streams, UNAVAILABLE when the server shuts down under a
 * call still sending; a raw node:http2 client sees INVALID_ARGUMENT for a malformed grpc-timeout (grpcio cannot send
 * one). HAProxy 2.6 turned the RST_STREAM(NO_ERROR) the server used to send after such an answer into a CANCEL, so
 * grpcio saw CANCELLED instead ("Received RST_STREAM with error code 8"); the server now reads the rest of the
 * request first (src/engine/h2/request-drain.ts).
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import http2 from "node:http2";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { ENGINES, type EngineUnderTest } from "../support/engines.js";
import { makeTestPki, type TestPki } from "../tls/certificates.js";
import { startProxiedServer, type ProxiedServer } from "./support/proxied-server.js";
import { missingProxy, startProxy, type ProxyName, type RunningProxy } from "./support/proxies.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../../test/proxy/python_proxy_client.py", import.meta.url));
const run = promisify(execFile);

function missingTools(proxy: ProxyName): string | undefined {
  const why = missingProxy(proxy);
  if (why !== undefined) return why;
  const probe = spawnSync(PYTHON, ["-c", "import grpc"], { encoding: "utf8" });
  const python = probe.error || probe.status !== 0 ? "python3-grpcio missing (apt-get install python3-grpcio)" : undefined;
  if (python !== undefined && process.env.INTEROP_TOOLS_REQUIRED === "1") assert.fail(`INTEROP_TOOLS_REQUIRED=1 but ${python}`);
  return python;
}

interface Seen {
  [name: string]: { code: string; details: string };
}

async function python(target: string, cases: string[], ca?: string): Promise<Seen> {
  const args = [SCRIPT, target, ...(ca !== undefined ? ["--ca", ca] : []), ...cases];
  const { stdout } = await run(PYTHON, args, { timeout: 60_000, maxBuffer: 1 << 20 });
  return JSON.parse(stdout) as Seen;
}

/**
 * A request with a malformed grpc-timeout whose body is still being sent when the answer comes: the trailers-only
 * answer and how the stream closed (its RST_STREAM code; 0 is a normal close).
 */
async function badTimeoutThrough(port: number): Promise<{ status: string | undefined; rstCode: number }> {
  const session = http2.connect(`http://127.0.0.1:${port}`);
  session.on("error", () => undefined);
  try {
    return await new Promise((resolve, reject) => {
      const stream = session.request({
        ":method": "POST", ":path": "/fastgrpc.echo.v1.EchoService/Echo", "content-type": "application/grpc",
        te: "trailers", "grpc-timeout": "bogus",
      });
      let status: string | undefined;
      stream.on("response", (headers) => {
        const value = headers["grpc-status"];
        status = typeof value === "string" ? value : undefined;
        stream.end(Buffer.alloc(64 * 1024)); // the rest of the request, after the answer
      });
      stream.on("data", () => undefined);
      stream.on("error", () => undefined);
      stream.on("close", () => resolve({ status, rstCode: stream.rstCode ?? -1 }));
      const prefix = Buffer.alloc(5 + 1024);
      prefix.writeUInt32BE(64 * 1024 + 1024, 1);
      stream.write(prefix, (err) => { if (err) reject(err); });
      setTimeout(() => reject(new Error("no answer in 10 s")), 10_000).unref();
    });
  } finally {
    session.close();
  }
}

function suite(proxyName: ProxyName, engine: EngineUnderTest): void {
  const missing = missingTools(proxyName);
  describe(`early answers through ${proxyName} (engine ${engine.name})`, () => {
    let pki: TestPki | undefined;
    let backend: ProxiedServer | undefined;
    let proxy: RunningProxy | undefined;
    before(async () => {
      if (missing !== undefined) return;
      pki = makeTestPki();
      backend = await startProxiedServer(engine.server);
      proxy = await startProxy(proxyName, join(pki.dir, proxyName), backend.port, pki);
    });
    after(async () => {
      await proxy?.stop();
      await backend?.server.shutdown(500);
      pki?.remove();
    });

    for (const front of ["h2c", "tls"] as const) {
      it(`${front}: grpcio sees RESOURCE_EXHAUSTED, UNIMPLEMENTED and the handler's early failure, not CANCELLED`, async (t) => {
        if (missing !== undefined) return t.skip(missing);
        assert.ok(proxy !== undefined && pki !== undefined);
        const port = front === "h2c" ? proxy.h2cPort : proxy.tlsPort;
        const seen = await python(`127.0.0.1:${port}`, ["echo", "too_large", "unknown_method", "status_error", "handler_error_early"],
          front === "tls" ? join(pki.dir, "ca.crt") : undefined);
        const log = `${JSON.stringify(seen)}\n${proxy.log()}`;
        assert.equal(seen.echo?.code, "OK", log);
        assert.equal(seen.too_large?.code, "RESOURCE_EXHAUSTED", log);
        assert.match(seen.too_large?.details ?? "", /exceeds the limit/, log);
        assert.equal(seen.unknown_method?.code, "UNIMPLEMENTED", log);
        assert.equal(seen.status_error?.code, "FAILED_PRECONDITION", log);
        assert.equal(seen.handler_error_early?.code, "FAILED_PRECONDITION", log);
        assert.match(seen.handler_error_early?.details ?? "", /chunk 999/, log);
      });
    }

    it("h2c: a malformed grpc-timeout answers INVALID_ARGUMENT while the body is still coming, with no reset", async (t) => {
      if (missing !== undefined) return t.skip(missing);
      assert.ok(proxy !== undefined);
      const { status, rstCode } = await badTimeoutThrough(proxy.h2cPort);
      assert.equal(status, "3", proxy.log());
      assert.equal(rstCode, http2.constants.NGHTTP2_NO_ERROR, `stream closed with RST_STREAM ${rstCode}`);
    });
  });

  describe(`shutdown under a streaming call through ${proxyName} (engine ${engine.name})`, () => {
    it("grpcio, still sending, gets UNAVAILABLE when the grace period ends", async (t) => {
      if (missing !== undefined) return t.skip(missing);
      const pki = makeTestPki();
      const backend = await startProxiedServer(engine.server);
      const proxy = await startProxy(proxyName, join(pki.dir, proxyName), backend.port, pki);
      try {
        const seen = python(`127.0.0.1:${proxy.h2cPort}`, ["shutdown_in_flight"]);
        await new Promise((resolve) => setTimeout(resolve, 1000)); // the call is under way (it sends for 20 s)
        await backend.server.shutdown(200);
        const result = await seen;
        assert.equal(result.shutdown_in_flight?.code, "UNAVAILABLE", `${JSON.stringify(result)}\n${proxy.log()}`);
      } finally {
        await proxy.stop();
        await backend.server.shutdown(100);
        pki.remove();
      }
    });
  });
}

for (const proxyName of ["nginx", "haproxy"] as ProxyName[]) {
  for (const engine of ENGINES) suite(proxyName, engine);
}
