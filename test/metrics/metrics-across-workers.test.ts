/**
 * fastgrpc-server --workers 2 --metrics-listen: the primary's /metrics shows the sum over both serving processes (the
 * primary and its worker) of the calls made over 8 connections (the primary hands them out in turns, 4 each: the
 * debug log says which process accepted each one); a stopped worker delays a scrape by the timeout only and is named
 * in it; a killed worker's counts stay in the totals after its replacement starts.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcClient } from "../../src/client/client.js";
import { CryptoService, KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { Health } from "../../src/gen/grpc/health/v1/health_pb.js";
import { EchoService } from "../../src/services/echo.js";
import { type ServerProcess, startServerCli, serverLogLines } from "../support/cli.js";
import { metricSample } from "../support/metrics-text.js";

const ECHO = 'grpc_type="unary",grpc_service="fastgrpc.echo.v1.EchoService",grpc_method="Echo"';
const CHECK = 'grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check"';
const SIGN = 'grpc_type="unary",grpc_service="fastgrpc.crypto.v1.CryptoService",grpc_method="Sign"';
const CONNECTIONS = 8;

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe("metrics across workers", () => {
  let server: ServerProcess;
  let scrapeUrl: string;
  /** The primary's pid, then its worker's. */
  let servingPids: number[];
  const connections = CONNECTIONS;
  let echoes = 0;
  const clients: GrpcClient[] = [];
  const scrape = async () => (await fetch(scrapeUrl)).text();

  before(async () => {
    server = await startServerCli(
      ["--workers", "2", "--listen", "tcp://127.0.0.1:0", "--metrics-listen", "tcp://127.0.0.1:0", "--log-level", "debug"], 1, 60_000);
    const metricsAt = /metrics on tcp:\/\/(\S+)/.exec(server.stdout())?.[1];
    assert.ok(metricsAt, server.stdout());
    scrapeUrl = `http://${metricsAt}/metrics`;
    const ready = await waitFor("all workers listening", () => serverLogLines(server).find((line) => line.msg === "all workers listening"));
    servingPids = Array.isArray(ready.pids) ? ready.pids.filter((pid): pid is number => typeof pid === "number") : [];
    assert.equal(servingPids.length, 2);
    assert.equal(servingPids[0], server.child.pid, "the primary serves too");
  });
  after(async () => {
    for (const client of clients.splice(0)) await client.close(true);
    for (const pid of servingPids) {
      try {
        process.kill(pid, "SIGCONT");
      } catch { /* already gone */ }
    }
    const finished = await server.stop("SIGTERM");
    assert.equal(finished.code, 0, finished.stderr.slice(-2000));
  });

  test("the scrape shows the sum of the calls every serving process served", async () => {
    const url = server.urls[0] ?? assert.fail("no url");
    for (let i = 0; i < CONNECTIONS; i++) {
      const client = new GrpcClient(url);
      clients.push(client);
      for (let call = 0; call <= i; call++) {
        await client.unary(EchoService.method.echo, { payload: new Uint8Array(8) });
        echoes++;
      }
      await client.unary(Health.method.check, { service: "" });
      await assert.rejects(client.unary(Health.method.check, { service: "nope" }));
      await client.unary(CryptoService.method.sign, { data: new Uint8Array(8), keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 });
    }
    assert.equal(echoes, (connections * (connections + 1)) / 2);
    // Each process logs its accepts on its own stderr: a line can land after the call's answer.
    const accepted = await waitFor("8 accept log lines", () => {
      const lines = serverLogLines(server).filter((line) => line.msg === "connection accepted");
      return lines.length === CONNECTIONS ? lines : undefined;
    }, 5000);
    for (const pid of servingPids) assert.equal(accepted.filter((line) => line.pid === pid).length, CONNECTIONS / 2, `process ${pid} got its turns`);

    const text = await scrape();
    assert.equal(metricSample(text, "grpc_server_started_total", ECHO), echoes);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${ECHO},grpc_code="OK"`), echoes);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${CHECK},grpc_code="OK"`), connections);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${CHECK},grpc_code="NOT_FOUND"`), connections);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${SIGN},grpc_code="OK"`), connections);
    assert.equal(metricSample(text, "grpc_server_handling_seconds_count", ECHO), echoes);
    assert.equal(metricSample(text, "grpc_server_handling_seconds_bucket", `${ECHO},le="+Inf"`), echoes);
    const buckets = text.split("\n").filter((line) => line.startsWith(`grpc_server_handling_seconds_bucket{${ECHO}`)).map((line) => Number(line.split(" ")[1]));
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b), "cumulative buckets");
    assert.ok((metricSample(text, "grpc_server_handling_seconds_sum", ECHO) ?? 0) > 0);
    assert.equal(metricSample(text, "fastgrpc_server_calls_in_flight", ECHO), 0);
    assert.equal(metricSample(text, "fastgrpc_server_connections_open", 'transport="tcp"'), connections);
    assert.equal(metricSample(text, "fastgrpc_server_connections_accepted_total", 'transport="tcp"'), connections);
    assert.equal(metricSample(text, "fastgrpc_signatures_total", 'algorithm="SIGNATURE_ALGORITHM_ECDSA_P256_SHA256_ASN1"'), connections);
    for (const process of ["primary", "worker-1"]) {
      assert.ok((metricSample(text, "process_resident_memory_bytes", `process="${process}"`) ?? 0) > 0, process);
      assert.ok((metricSample(text, "process_cpu_seconds_total", `process="${process}"`) ?? -1) >= 0, process);
    }
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 1);
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="timed_out"'), 0);
  });

  test("a worker that cannot answer delays the scrape by the timeout only, and the scrape says so", async () => {
    const stopped = servingPids[1] ?? assert.fail();
    process.kill(stopped, "SIGSTOP");
    let text: string;
    const began = Date.now();
    try {
      text = await scrape();
    } finally {
      process.kill(stopped, "SIGCONT");
    }
    const elapsed = Date.now() - began;
    assert.ok(elapsed < 5000, `scrape took ${elapsed} ms`);
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="timed_out"'), 1);
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 0);
    assert.match(text, new RegExp(`^# fastgrpc: worker-\\d \\(pid ${stopped}\\) did not answer within \\d+ ms`, "m"));
    assert.equal(metricSample(text, "grpc_server_handled_total", `${ECHO},grpc_code="OK"`), echoes, "its counters as last answered");
  });

  test("a killed worker's counts stay in the totals after its replacement starts", async () => {
    for (const client of clients.splice(0)) await client.close(true);
    const before = await scrape();
    assert.equal(metricSample(before, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 1, before.slice(-600));
    const killed = servingPids[1] ?? assert.fail();
    process.kill(killed, "SIGKILL");
    await waitFor("a replacement worker", () => serverLogLines(server).find((line) => line.msg === "replacement worker listening"));
    const after = await scrape();
    assert.equal(metricSample(after, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 1);
    assert.equal(metricSample(after, "grpc_server_handled_total", `${ECHO},grpc_code="OK"`), echoes);
    assert.equal(metricSample(after, "grpc_server_handling_seconds_count", ECHO), echoes);
    assert.equal(metricSample(after, "fastgrpc_server_connections_accepted_total", 'transport="tcp"'), connections);
    assert.equal(metricSample(after, "fastgrpc_signatures_total", 'algorithm="SIGNATURE_ALGORITHM_ECDSA_P256_SHA256_ASN1"'), connections);
    assert.ok((metricSample(after, "process_resident_memory_bytes", 'process="worker-1"') ?? 0) > 0, "the replacement keeps the label");
    assert.ok((metricSample(after, "process_resident_memory_bytes", 'process="primary"') ?? 0) > 0);

    const client = new GrpcClient(server.urls[0] ?? assert.fail());
    clients.push(client);
    for (let i = 0; i < 4; i++) await client.unary(EchoService.method.echo, { payload: new Uint8Array(1) });
    assert.equal(metricSample(await scrape(), "grpc_server_handled_total", `${ECHO},grpc_code="OK"`), echoes + 4);
  });
});
