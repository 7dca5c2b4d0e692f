/**
 * A bidi call that pipelines three 4 MiB messages (sent without waiting for their echoes) through HAProxy 2.6 to a
 * fastgrpc server, on both server engines, with Python grpcio as the client: it passes. grpcio (gRPC's C core)
 * announces a 4 MiB stream receive window, so HAProxy can forward a whole echo without reading the client's next
 * WINDOW_UPDATE. The same call from a client announcing 64-256 KiB can stall: HAProxy stops reading the client's
 * connection while the request stream's buffer is full, and the client's WINDOW_UPDATEs for the responses wait unread
 * behind request DATA (measured with perf/haproxy-bidi-stall.ts; docs/proxies.md, "Known limitation"). This test pins
 * that the server's flow control lets a pipelining client through when the client's window allows it.
 */
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { after, before, describe, it } from "node:test";
import { ENGINES } from "../support/engines.js";
import { makeTestPki, type TestPki } from "../tls/certificates.js";
import { startProxiedServer, type ProxiedServer } from "./support/proxied-server.js";
import { missingProxy, startProxy, type RunningProxy } from "./support/proxies.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../../test/proxy/python_proxy_client.py", import.meta.url));
const run = promisify(execFile);

function missingTools(): string | undefined {
  const why = missingProxy("haproxy");
  if (why !== undefined) return why;
  const probe = spawnSync(PYTHON, ["-c", "import grpc"], { encoding: "utf8" });
  const python = probe.error || probe.status !== 0 ? "python3-grpcio missing (apt-get install python3-grpcio)" : undefined;
  if (python !== undefined && process.env.INTEROP_TOOLS_REQUIRED === "1") assert.fail(`INTEROP_TOOLS_REQUIRED=1 but ${python}`);
  return python;
}

const missing = missingTools();

for (const engine of ENGINES) {
  describe(`pipelined bidi through HAProxy (server engine ${engine.name})`, () => {
    let pki: TestPki | undefined;
    let backend: ProxiedServer | undefined;
    let proxy: RunningProxy | undefined;
    before(async () => {
      if (missing !== undefined) return;
      pki = makeTestPki();
      backend = await startProxiedServer(engine.server);
      proxy = await startProxy("haproxy", join(pki.dir, "haproxy"), backend.port, pki);
    });
    after(async () => {
      await proxy?.stop();
      await backend?.server.shutdown(500);
      pki?.remove();
    });

    it("grpcio sends three 4 MiB messages without waiting and gets the three echoes", async (t) => {
      if (missing !== undefined) return t.skip(missing);
      assert.ok(proxy !== undefined);
      const { stdout } = await run(PYTHON, [SCRIPT, `127.0.0.1:${proxy.h2cPort}`, "pipelined_bidi"], { timeout: 60_000 });
      const seen = JSON.parse(stdout) as Record<string, { code: string; details: string } | undefined>;
      assert.equal(seen.pipelined_bidi?.code, "OK", `${stdout}\n${proxy.log()}`);
    });
  });
}
