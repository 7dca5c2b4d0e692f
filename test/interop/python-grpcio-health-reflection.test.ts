/**
 * An external client that no one here wrote — gRPC's C core through Debian's python3-grpcio — checks health and
 * discovers the Echo service through reflection (v1alpha and v1), then calls it with types built from the
 * reflected descriptors alone, unary and bidi streaming. When python3-grpcio is missing the test skips, saying why
 * (a visible skip, not a pass); with INTEROP_TOOLS_REQUIRED=1 (CI, whose .ci/run installs the tools) it fails.
 */
import assert from "node:assert/strict";
import { spawnSync, execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { promisify } from "node:util";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

const PYTHON = "/usr/bin/python3";
const SCRIPT = fileURLToPath(new URL("../../../test/interop/python_grpc_client.py", import.meta.url));

function missingPythonGrpc(): string | undefined {
  const probe = spawnSync(PYTHON, ["-c", "import grpc, google.protobuf"], { encoding: "utf8" });
  if (probe.error) return `${PYTHON} not found (apt-get install python3-grpcio python3-protobuf)`;
  if (probe.status !== 0) return `python3-grpcio / python3-protobuf missing (apt-get install python3-grpcio python3-protobuf): ${probe.stderr.trim()}`;
  return undefined;
}

const missing = missingPythonGrpc();
const required = process.env.INTEROP_TOOLS_REQUIRED === "1";

for (const engine of ENGINES) {
  describe(`python3-grpcio against fastgrpc: health and reflection (engine ${engine.name})`, () => {
    let running: Running | undefined;
    before(async () => {
      if (missing === undefined) running = await startEcho(engine);
    });
    after(() => running?.stop());

    test("health, reflection listing and lookup, and calls built from reflected descriptors", async (t) => {
      if (missing !== undefined) {
        if (required) assert.fail(`INTEROP_TOOLS_REQUIRED=1 but ${missing}`);
        t.skip(missing);
        return;
      }
      assert.ok(running);
      const target = running.url.replace("tcp://", "");
      const { stdout } = await promisify(execFile)(PYTHON, [SCRIPT, target], { timeout: 30_000 });
      const seen = JSON.parse(stdout) as Record<string, unknown>;
      assert.equal(seen.check_server, "SERVING");
      assert.equal(seen.check_echo, "SERVING");
      assert.equal(seen.check_unknown, "NOT_FOUND");
      assert.equal(seen.watch_unknown_first, "SERVICE_UNKNOWN");
      const services = ["fastgrpc.echo.v1.EchoService", "grpc.health.v1.Health", "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];
      for (const version of ["grpc.reflection.v1alpha", "grpc.reflection.v1"]) {
        assert.deepEqual(seen[version], { services, files: ["fastgrpc/echo/v1/echo.proto"], unknown_symbol_error: 5 });
      }
      assert.deepEqual(seen.echo_methods, ["Download", "Echo", "EchoStream"]);
      assert.equal(seen.echo_reply, "from python via reflection");
      assert.deepEqual(seen.echo_stream_replies, ["0", "1", "2", "3", "4"]);
    });
  });
}
