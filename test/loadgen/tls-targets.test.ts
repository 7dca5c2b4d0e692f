/** fastgrpc-bench against a tls:// server: --ca to trust its CA, --insecure to accept any certificate, reflection included. */
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EchoService } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { parseCommandLine, type BenchOptions } from "../../src/loadgen/options.js";
import { BenchRuntimeError } from "../../src/loadgen/probe.js";
import { runBench } from "../../src/loadgen/run-bench.js";
import { GrpcServer } from "../../src/server/server.js";
import { makeTestPki } from "../tls/certificates.js";

function options(...argv: string[]): BenchOptions {
  const parsed = parseCommandLine(argv);
  if (parsed.help) throw new Error("unexpected help");
  return parsed.options;
}

describe("fastgrpc-bench on tls:// targets", () => {
  let server: GrpcServer;
  let target = "";
  let dir = "";
  let caFile = "";

  before(async () => {
    const pki = makeTestPki();
    dir = await mkdtemp(join(tmpdir(), "fastgrpc-bench-tls-"));
    caFile = join(dir, "ca.pem");
    await writeFile(caFile, pki.caCert);
    server = new GrpcServer().addService(EchoService, { echo: (request) => ({ payload: request.payload }) });
    target = (await server.listen("tls://127.0.0.1:0", { tls: { cert: pki.serverCert, key: pki.serverKey } })).url;
  });

  after(async () => {
    await server.shutdown(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("trusts the server through --ca", async () => {
    const report = await runBench(options("--target", target, "--ca", caFile, "--requests", "20", "--concurrency", "2", "--warmup", "0s"));
    assert.equal(report.ok, 20);
  });

  it("refuses a certificate it cannot verify, and accepts it with --insecure (reflection too)", async () => {
    await assert.rejects(
      runBench(options("--target", target, "--requests", "1")),
      (error: unknown) => error instanceof BenchRuntimeError && /cannot reach tls:\/\//.test(error.message),
    );
    const report = await runBench(options(
      "--target", target, "--insecure", "--call", "fastgrpc.echo.v1.EchoService/Echo", "--requests", "20", "--concurrency", "2", "--warmup", "0s",
    ));
    assert.equal(report.ok, 20);
  });

  it("says which file it cannot read", async () => {
    await assert.rejects(runBench(options("--target", target, "--ca", join(dir, "missing.pem"), "--requests", "1")), /cannot read --ca .*missing\.pem/);
  });
});
