/** fastgrpc-bench as a user runs it: a child process against an in-process GrpcServer. */
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { GrpcServer } from "../../src/server/server.js";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { CryptoService } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { createCryptoService } from "../../src/services/crypto.js";
import { runCli } from "../support/cli.js";

const BENCH_CLI = fileURLToPath(new URL("../../bin/bench.js", import.meta.url));

function bench(...args: string[]) {
  return runCli(BENCH_CLI, args, 60_000);
}

function assertOneLineError(stderr: string, pattern: RegExp): void {
  assert.match(stderr, pattern);
  assert.equal(stderr.trimEnd().split("\n").length, 1, `one line, got: ${stderr}`);
  assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
}

describe("fastgrpc-bench command line", () => {
  let server: GrpcServer;
  let target = "";
  let dir = "";
  let flakyCalls = 0;
  let slowCalls = 0;

  before(async () => {
    server = new GrpcServer().addService(EchoService, {
      echo: (request) => {
        // Payloads of 7 bytes select the failing mode: every other call fails, the probe (first) succeeds.
        if (request.payload.length === 7 && flakyCalls++ % 2 === 1) throw new GrpcError(Code.RESOURCE_EXHAUSTED, "busy");
        // Payloads of 9 bytes select the slow mode: every call after the probe takes 300 ms.
        if (request.payload.length === 9 && slowCalls++ > 0) return delay(300, { payload: request.payload });
        return { payload: request.payload };
      },
    });
    target = (await server.listen("tcp://127.0.0.1:0")).url;
    dir = await mkdtemp(join(tmpdir(), "fastgrpc-bench-"));
  });

  after(async () => {
    await server.shutdown(0);
    await rm(dir, { recursive: true, force: true });
  });

  it("prints the usage with --help and exits 0", async () => {
    const run = await bench("--help");
    assert.equal(run.code, 0);
    assert.match(run.stdout, /Usage: fastgrpc-bench --target URL/);
  });

  for (const [args, pattern] of [
    [["--target", "tcp://127.0.0.1:1", "--nope"], /unknown option --nope/],
    [["--target", "tcp://nowhere"], /--target: invalid address/],
    [["--concurrency", "4"], /--target is required/],
    [["--target", "tcp://127.0.0.1:1", "--rate=-3"], /--rate must be a number above zero/],
    [["--target", "tcp://127.0.0.1:1", "--rate", "-3"], /a value of --rate that starts with "-" must be written --rate=VALUE/],
  ] as const) {
    it(`exits 2 with one line for: ${args.join(" ")}`, async () => {
      const run = await bench(...args);
      assert.equal(run.code, 2);
      assertOneLineError(run.stderr, pattern);
      assert.equal(run.stdout, "");
    });
  }

  it("exits 1 with one line when the target is unreachable", async () => {
    const run = await bench("--target", "tcp://127.0.0.1:1", "--duration", "1s");
    assert.equal(run.code, 1);
    assertOneLineError(run.stderr, /^fastgrpc-bench: cannot reach tcp:\/\/127\.0\.0\.1:1/);
  });

  it("exits 1 when the server does not offer the service", async () => {
    const run = await bench("--target", target, "--service", "sign", "--duration", "1s");
    assert.equal(run.code, 1);
    assertOneLineError(run.stderr, /does not serve \/fastgrpc\.crypto\.v1\.CryptoService\/Sign \(UNIMPLEMENTED\)/);
  });

  it("--probe makes one call and exits 0", async () => {
    const run = await bench("--target", target, "--probe");
    assert.equal(run.code, 0, run.stderr);
  });

  it("runs a closed loop and writes the table, the JSON report and the HTML page", async () => {
    const json = join(dir, "report.json");
    const html = join(dir, "report.html");
    const run = await bench("--target", target, "--requests", "300", "--concurrency", "10", "--warmup", "0s", "--json", json, "--html", html);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /300 ended: 300 OK, 0 failed/);
    assert.match(run.stdout, /per call .* us|ms/);
    const report = JSON.parse(await readFile(json, "utf8"));
    assert.equal(report.count, 300);
    assert.deepEqual(report.statusCodes, { OK: 300 });
    assert.equal(report.options.target, target);
    assert.equal(report.call.path, "/fastgrpc.echo.v1.EchoService/Echo");
    assert.equal(report.latency.service.count, 300);
    assert.ok(report.latency.service.p99Us >= report.latency.service.p50Us);
    assert.ok(report.achievedRate > 0);
    assert.ok(typeof report.histograms.service === "string" && report.histograms.service.length > 0);
    const page = await readFile(html, "utf8");
    assert.match(page, /<svg/);
    assert.match(page, /p99\.99/);
    assert.doesNotMatch(page, /<script|https?:\/\/(?!www\.w3\.org\/2000\/svg)/, "self-contained: no script, no network");
  });

  it("merges two load threads into one report", async () => {
    const json = join(dir, "threads.json");
    const run = await bench("--target", target, "--threads", "2", "--concurrency", "4", "--requests", "200", "--warmup", "0s", "--json", json);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(await readFile(json, "utf8"));
    assert.equal(report.count, 200);
    assert.equal(report.latency.service.count, 200);
    assert.equal(report.perSecond.ok.reduce((a: number, b: number) => a + b, 0), 200);
  });

  it("counts failures by code and exits 3 above --max-error-rate", async () => {
    const json = join(dir, "errors.json");
    flakyCalls = 0;
    const run = await bench(
      "--target", target, "--payload-bytes", "7", "--requests", "200", "--concurrency", "1", "--warmup", "0s",
      "--max-error-rate", "10%", "--json", json,
    );
    assert.equal(run.code, 3, run.stderr);
    assert.match(run.stdout, /failures\s+RESOURCE_EXHAUSTED 100/);
    assertOneLineError(run.stderr, /error rate 50\.00% exceeds --max-error-rate/);
    const report = JSON.parse(await readFile(json, "utf8"));
    assert.deepEqual(report.statusCodes, { OK: 100, RESOURCE_EXHAUSTED: 100 });
    assert.equal(report.maxErrorRateExceeded, true);
  });

  it("--timeout sets each call's deadline and DEADLINE_EXCEEDED calls count as failures", async () => {
    slowCalls = 0;
    const run = await bench("--target", target, "--payload-bytes", "9", "--timeout", "50", "--requests", "4", "--concurrency", "4", "--warmup", "0s");
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /4 ended: 0 OK, 4 failed/);
    assert.match(run.stdout, /failures\s+DEADLINE_EXCEEDED 4/);
  });

  it("signs with the chosen algorithm against a server with the crypto service", async () => {
    const signer = new GrpcServer().addService(CryptoService, createCryptoService(await generateKeyring()));
    const signTarget = (await signer.listen("tcp://127.0.0.1:0")).url;
    try {
      const json = join(dir, "sign.json");
      const run = await bench("--target", signTarget, "--service", "sign", "--algorithm", "ed25519", "--requests", "50", "--concurrency", "2", "--warmup", "0s", "--json", json);
      assert.equal(run.code, 0, run.stderr);
      const report = JSON.parse(await readFile(json, "utf8"));
      assert.equal(report.call.path, "/fastgrpc.crypto.v1.CryptoService/Sign");
      assert.deepEqual(report.statusCodes, { OK: 50 });
      assert.equal(report.options.keyType, "ed25519");
      // A key type that does not fit the algorithm is refused before any call.
      const mismatch = await bench("--target", signTarget, "--service", "sign", "--key-type", "rsa", "--algorithm", "ed25519");
      assert.equal(mismatch.code, 2);
    } finally {
      await signer.shutdown(0);
    }
  });

  it("an open loop writes .hgrm files and --compare prints two JSON reports side by side", async () => {
    const a = join(dir, "a.json");
    const b = join(dir, "b.json");
    const hgrm = join(dir, "a.hgrm");
    const first = await bench("--target", target, "--rate", "200", "--duration", "500ms", "--warmup", "0s", "--json", a, "--hgrm", hgrm);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /send lag\s+p50 .* sent more than 10 ms late/);
    assert.match(await readFile(hgrm, "utf8"), /Value\s+Percentile\s+TotalCount/);
    assert.match(await readFile(join(dir, "a.service.hgrm"), "utf8"), /#\[Max\s+=/);
    const second = await bench("--target", target, "--rate", "400", "--duration", "500ms", "--warmup", "0s", "--json", b);
    assert.equal(second.code, 0, second.stderr);
    const compared = await bench("--compare", a, b);
    assert.equal(compared.code, 0, compared.stderr);
    assert.match(compared.stdout, /achieved calls\/s\s+\S+\s+\S+\s+\+\d/);
    assert.match(compared.stdout, /corrected p99\.99/);
    const missing = await bench("--compare", a, join(dir, "nope.json"));
    assert.equal(missing.code, 1);
    assertOneLineError(missing.stderr, /cannot read .*nope\.json/);
    const arity = await bench("--compare", a);
    assert.equal(arity.code, 2);
  });
});
