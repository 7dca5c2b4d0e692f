/**
 * Metrics scraped over HTTP after known calls show the right counts: calls by service, method and code, the
 * latency histogram, calls in flight, open connections by transport, signatures by algorithm, process figures.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcClient } from "../../src/client/client.js";
import { algorithmName } from "../../src/crypto/algorithms.js";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { CryptoService, KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { Health } from "../../src/gen/grpc/health/v1/health_pb.js";
import { type MetricsEndpoint, serveMetrics } from "../../src/server/metrics-http.js";
import { ServerMetrics } from "../../src/server/metrics.js";
import { GrpcServer } from "../../src/server/server.js";
import { createCryptoService } from "../../src/services/crypto.js";
import { EchoService, createEchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { metricSample } from "../support/metrics-text.js";

const ECHO = 'grpc_type="unary",grpc_service="fastgrpc.echo.v1.EchoService",grpc_method="Echo"';
const CHECK = 'grpc_type="unary",grpc_service="grpc.health.v1.Health",grpc_method="Check"';
const STREAM = 'grpc_type="bidi_stream",grpc_service="fastgrpc.echo.v1.EchoService",grpc_method="EchoStream"';

describe("metrics endpoint", () => {
  let server: GrpcServer;
  let endpoint: MetricsEndpoint;
  let client: GrpcClient;
  let scrapeUrl: string;

  before(async () => {
    const metrics = new ServerMetrics();
    server = new GrpcServer({ log: silentLogger(), metrics });
    server.addService(EchoService, createEchoService(silentLogger()));
    const signatures = metrics.indexedCounter("fastgrpc_signatures_total", "Signatures made, by algorithm.", "algorithm", algorithmName);
    server.addService(CryptoService, createCryptoService(await generateKeyring({ rsaBits: 2048 }), { onSigned: (algorithm) => signatures.inc(algorithm) }));
    const listener = await server.listen("tcp://127.0.0.1:0");
    endpoint = await serveMetrics("tcp://127.0.0.1:0", metrics);
    scrapeUrl = `http://${endpoint.url.slice("tcp://".length)}/metrics`;
    client = new GrpcClient(listener.url);
  });
  after(async () => {
    await client.close(true);
    await endpoint.close();
    await server.shutdown(1000);
  });

  test("counts calls by method and code, latency, connections and signatures", async () => {
    for (let i = 0; i < 3; i++) await client.unary(EchoService.method.echo, { payload: new Uint8Array(4) });
    await client.unary(Health.method.check, { service: "" });
    await assert.rejects(client.unary(Health.method.check, { service: "unknown" }));
    const requests = (async function* () { for (let i = 0; i < 4; i++) yield { payload: new Uint8Array(1) }; })();
    let echoed = 0;
    for await (const _ of client.bidiStream(EchoService.method.echoStream, requests)) echoed++;
    assert.equal(echoed, 4);
    for (let i = 0; i < 2; i++) {
      await client.unary(CryptoService.method.sign, { data: new Uint8Array(8), keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 });
    }
    await client.unary(CryptoService.method.sign, { data: new Uint8Array(8), keyType: KeyType.ED25519, algorithm: SignatureAlgorithm.ED25519 });

    const response = await fetch(scrapeUrl);
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
    const text = await response.text();

    assert.equal(metricSample(text, "grpc_server_started_total", ECHO), 3);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${ECHO},grpc_code="OK"`), 3);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${CHECK},grpc_code="OK"`), 1);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${CHECK},grpc_code="NOT_FOUND"`), 1);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${STREAM},grpc_code="OK"`), 1);
    assert.equal(metricSample(text, "fastgrpc_server_calls_in_flight", ECHO), 0);
    assert.equal(metricSample(text, "grpc_server_handling_seconds_count", ECHO), 3);
    assert.equal(metricSample(text, 'grpc_server_handling_seconds_bucket', `${ECHO},le="+Inf"`), 3);
    assert.ok((metricSample(text, "grpc_server_handling_seconds_sum", ECHO) ?? -1) > 0);
    // Buckets are cumulative.
    const buckets = text.split("\n").filter((l) => l.startsWith(`grpc_server_handling_seconds_bucket{${ECHO}`)).map((l) => Number(l.split(" ")[1]));
    assert.deepEqual(buckets, [...buckets].sort((a, b) => a - b));
    assert.equal(metricSample(text, "fastgrpc_server_connections_open", 'transport="tcp"'), 1);
    assert.equal(metricSample(text, "fastgrpc_signatures_total", 'algorithm="SIGNATURE_ALGORITHM_ECDSA_P256_SHA256_ASN1"'), 2);
    assert.equal(metricSample(text, "fastgrpc_signatures_total", 'algorithm="SIGNATURE_ALGORITHM_ED25519"'), 1);
    assert.ok((metricSample(text, "process_resident_memory_bytes", "") ?? 0) > 0);
    assert.ok((metricSample(text, "process_cpu_seconds_total", "") ?? -1) >= 0);
  });

  test("calls in flight and closed connections are seen as they change", async () => {
    const other = new GrpcClient(server.urls[0] ?? assert.fail());
    const requests = (async function* () {
      yield { payload: new Uint8Array(1) };
      await sleep(300);
    })();
    const stream = other.bidiStream(EchoService.method.echoStream, requests)[Symbol.asyncIterator]();
    await stream.next();
    const during = await (await fetch(scrapeUrl)).text();
    assert.equal(metricSample(during, "fastgrpc_server_calls_in_flight", STREAM), 1);
    assert.equal(metricSample(during, "fastgrpc_server_connections_open", 'transport="tcp"'), 2);
    while (!(await stream.next()).done) { /* until the end */ }
    await other.close(true);
    await sleep(100);
    const later = await (await fetch(scrapeUrl)).text();
    assert.equal(metricSample(later, "fastgrpc_server_calls_in_flight", STREAM), 0);
    assert.equal(metricSample(later, "fastgrpc_server_connections_open", 'transport="tcp"'), 1);
  });

  test("only /metrics is served", async () => {
    assert.equal((await fetch(scrapeUrl.replace("/metrics", "/other"))).status, 404);
    assert.equal((await fetch(scrapeUrl, { method: "POST" })).status, 405);
  });
});
