/**
 * How the primary of a multi-worker server sums its workers' metrics (no processes here: the IPC side is faked):
 * counters and histogram buckets add up, gauges only from workers that answered this scrape, a worker that does
 * not answer delays the scrape by the timeout at most and is named in it, a worker that exits leaves its counters
 * behind (the sum never goes backwards), and malformed worker messages are ignored.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type MetricsSnapshot, type ProcessSample, ServerMetrics } from "../../src/server/metrics.js";
import { type ScrapeTarget, WorkerMetricsCollector } from "../../src/server/workers/metrics-collector.js";
import { SnapshotSum } from "../../src/server/workers/metrics-sum.js";
import { parsePrimaryMessage, parseWorkerMessage } from "../../src/server/workers/messages.js";
import { metricSample } from "../support/metrics-text.js";

const ECHO = 'grpc_type="unary",grpc_service="fastgrpc.echo.v1.EchoService",grpc_method="Echo"';

const PROCESS: ProcessSample = {
  cpuUserSeconds: 1, cpuSystemSeconds: 0.5, residentBytes: 1000, heapTotalBytes: 100, heapUsedBytes: 50, externalBytes: 10, startTimeSeconds: 1,
};

/** A worker's ServerMetrics after `calls` Echo calls, `connections` of them still open, `signatures` ED25519 signatures. */
function workerMetrics(calls: number, latencyMs: number, openConnections: number, signatures: number): ServerMetrics {
  const metrics = new ServerMetrics();
  const echo = metrics.forMethod("/fastgrpc.echo.v1.EchoService/Echo", "fastgrpc.echo.v1.EchoService", "Echo", "unary");
  for (let i = 0; i < calls; i++) {
    echo.start();
    echo.end({ ms: performance.now() - latencyMs }, i % 2 === 0 ? 0 : 5);
  }
  echo.start(); // one call in flight
  for (let i = 0; i < openConnections; i++) metrics.connectionOpened("tcp");
  const counter = metrics.indexedCounter("fastgrpc_signatures_total", "Signatures made, by algorithm.", "algorithm", () => "ED25519");
  for (let i = 0; i < signatures; i++) counter.inc(1);
  return metrics;
}

/** A fake worker: answers each request (unless `silent`) with its metrics' current snapshot. */
class FakeWorker {
  silent = false;
  constructor(readonly id: number, readonly metrics: ServerMetrics, private readonly collector: () => WorkerMetricsCollector) {}
  target(): ScrapeTarget {
    return {
      id: this.id, label: `worker-${this.id}`, pid: 1000 + this.id,
      ask: (requestId) => {
        if (this.silent) return;
        setImmediate(() => this.collector().onReply(this.id, { id: requestId, snapshot: this.metrics.snapshot(), process: PROCESS }));
      },
    };
  }
}

interface Setup {
  collector: WorkerMetricsCollector;
  fakes: FakeWorker[];
  /** The worker process exits: no longer a target, and the collector is told. */
  exit(fake: FakeWorker): void;
  /** A new worker process (a replacement) joins. */
  spawn(metrics: ServerMetrics): FakeWorker;
}

function setup(timeoutMs: number, ...workers: ServerMetrics[]): Setup {
  let live: FakeWorker[] = [];
  const collector = new WorkerMetricsCollector(() => live.map((fake) => fake.target()), timeoutMs);
  live = workers.map((metrics, index) => new FakeWorker(index + 1, metrics, () => collector));
  return {
    collector,
    fakes: [...live],
    exit: (fake) => {
      live = live.filter((each) => each !== fake);
      collector.onWorkerExit(fake.id);
    },
    spawn: (metrics) => {
      const fake = new FakeWorker(100 + live.length, metrics, () => collector);
      live.push(fake);
      return fake;
    },
  };
}

describe("summing worker metrics in the primary", () => {
  test("SnapshotSum adds counters and histogram buckets bucket by bucket, gauges only when asked", () => {
    const a = workerMetrics(4, 0.2, 2, 3).snapshot();
    const b = workerMetrics(6, 30, 1, 1).snapshot();
    const sum: MetricsSnapshot = new SnapshotSum().add(a, true).add(b, false).snapshot();
    const [echo] = sum.methods;
    const [echoA] = a.methods;
    const [echoB] = b.methods;
    assert.ok(echo && echoA && echoB);
    assert.equal(echo.started, 5 + 7, "every call, and one in flight per worker");
    assert.equal(echo.inFlight, 1, "only a's gauge");
    assert.deepEqual(echo.handled.slice(0, 6), [5, 0, 0, 0, 0, 5]);
    assert.deepEqual(echo.buckets, echoA.buckets.map((count, index) => count + (echoB.buckets[index] ?? 0)));
    assert.ok(echoA.buckets.some((count, index) => count > 0 && (echoB.buckets[index] ?? 0) === 0), "the two workers fill different buckets");
    assert.equal(echo.latencySumMs, echoA.latencySumMs + echoB.latencySumMs);
    assert.deepEqual(sum.connections, [{ transport: "tcp", open: 2, accepted: 3, refused: 0 }]);
    assert.deepEqual(sum.counters.map((counter) => [counter.name, counter.values]), [["fastgrpc_signatures_total", [["ED25519", 4]]]]);
  });

  test("a scrape renders the sum of every worker, one process series per process", async () => {
    const { collector } = setup(1000, workerMetrics(3, 1, 1, 2), workerMetrics(5, 1, 2, 0));
    const text = await collector.render();
    assert.equal(metricSample(text, "grpc_server_handled_total", `${ECHO},grpc_code="OK"`), 2 + 3);
    assert.equal(metricSample(text, "grpc_server_handled_total", `${ECHO},grpc_code="NOT_FOUND"`), 1 + 2);
    assert.equal(metricSample(text, "grpc_server_handling_seconds_count", ECHO), 8);
    assert.equal(metricSample(text, "grpc_server_handling_seconds_bucket", `${ECHO},le="+Inf"`), 8);
    assert.equal(metricSample(text, "fastgrpc_server_calls_in_flight", ECHO), 2);
    assert.equal(metricSample(text, "fastgrpc_server_connections_open", 'transport="tcp"'), 3);
    assert.equal(metricSample(text, "fastgrpc_signatures_total", 'algorithm="ED25519"'), 2);
    assert.equal(metricSample(text, "process_resident_memory_bytes", 'process="worker-1"'), 1000);
    assert.equal(metricSample(text, "process_resident_memory_bytes", 'process="worker-2"'), 1000);
    assert.ok((metricSample(text, "process_resident_memory_bytes", 'process="primary"') ?? 0) > 1000, "the primary's own figures");
    assert.equal(metricSample(text, "process_resident_memory_bytes", ""), undefined, "no unlabelled process series");
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 2);
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="timed_out"'), 0);
    assert.equal(text.split("\n").filter((line) => line === "# TYPE grpc_server_handled_total counter").length, 1, "one family header");
  });

  test("a worker that does not answer costs the timeout, not more; its counters stay, its gauges go", async () => {
    const { collector, fakes } = setup(200, workerMetrics(3, 1, 1, 0), workerMetrics(5, 1, 2, 0));
    await collector.render(); // both answer once
    const silent = fakes[1] ?? assert.fail();
    silent.silent = true;
    const began = performance.now();
    const text = await collector.render();
    const elapsed = performance.now() - began;
    assert.ok(elapsed >= 190 && elapsed < 1000, `scrape took ${elapsed} ms`);
    assert.equal(metricSample(text, "grpc_server_handling_seconds_count", ECHO), 8, "the silent worker's last counters");
    assert.equal(metricSample(text, "fastgrpc_server_connections_open", 'transport="tcp"'), 1, "gauges of the worker that answered only");
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 1);
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="timed_out"'), 1);
    assert.equal(metricSample(text, "process_resident_memory_bytes", 'process="worker-2"'), undefined);
    assert.match(text, /^# fastgrpc: worker-2 \(pid 1002\) did not answer within 200 ms/m);
  });

  test("a worker that exits leaves its counters in the sum; its replacement adds from zero", async () => {
    const { collector, fakes, exit, spawn } = setup(1000, workerMetrics(3, 1, 1, 1), workerMetrics(5, 1, 2, 1));
    const before = await collector.render();
    assert.equal(metricSample(before, "grpc_server_handling_seconds_count", ECHO), 8);
    exit(fakes[1] ?? assert.fail());
    const after = await collector.render();
    assert.equal(metricSample(after, "grpc_server_handling_seconds_count", ECHO), 8, "never less than before");
    assert.equal(metricSample(after, "fastgrpc_signatures_total", 'algorithm="ED25519"'), 2);
    assert.equal(metricSample(after, "fastgrpc_server_connections_open", 'transport="tcp"'), 1, "its connections are gone");
    assert.equal(metricSample(after, "fastgrpc_server_connections_accepted_total", 'transport="tcp"'), 3);
    assert.equal(metricSample(after, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 1);
    spawn(workerMetrics(2, 1, 1, 0));
    const replaced = await collector.render();
    assert.equal(metricSample(replaced, "grpc_server_handling_seconds_count", ECHO), 8 + 2);
    assert.equal(metricSample(replaced, "fastgrpc_server_connections_open", 'transport="tcp"'), 2);
    assert.equal(metricSample(replaced, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 2);
  });

  test("a scrape with no worker listening yet answers at once with the primary alone", async () => {
    const collector = new WorkerMetricsCollector(() => [], 5000);
    const began = performance.now();
    const text = await collector.render();
    assert.ok(performance.now() - began < 1000);
    assert.equal(metricSample(text, "fastgrpc_metrics_scrape_workers", 'result="answered"'), 0);
    assert.ok((metricSample(text, "process_cpu_seconds_total", 'process="primary"') ?? -1) >= 0);
  });

  test("worker metrics messages of the wrong shape are ignored; good ones pass", () => {
    const snapshot = workerMetrics(1, 1, 1, 1).snapshot();
    assert.deepEqual(parseWorkerMessage({ fastgrpc: "metrics", id: 3, snapshot, process: PROCESS }), { fastgrpc: "metrics", id: 3, snapshot, process: PROCESS });
    const bad: unknown[] = [
      { fastgrpc: "metrics", id: 0, snapshot, process: PROCESS },
      { fastgrpc: "metrics", id: 1, snapshot: { ...snapshot, methods: [{ service: "s" }] }, process: PROCESS },
      { fastgrpc: "metrics", id: 1, snapshot: { ...snapshot, counters: [{ name: "bad name\n", help: "", label: "l", values: [] }] }, process: PROCESS },
      { fastgrpc: "metrics", id: 1, snapshot: { ...snapshot, connections: [{ transport: "tcp", open: Number.NaN, accepted: 0, refused: 0 }] }, process: PROCESS },
      { fastgrpc: "metrics", id: 1, snapshot, process: { ...PROCESS, residentBytes: "1" } },
      { fastgrpc: "metrics", id: 1, snapshot: null, process: PROCESS },
    ];
    for (const message of bad) assert.equal(parseWorkerMessage(message), undefined, JSON.stringify(message));
    assert.deepEqual(parsePrimaryMessage({ fastgrpc: "metrics-request", id: 7 }), { fastgrpc: "metrics-request", id: 7 });
    assert.equal(parsePrimaryMessage({ fastgrpc: "metrics-request", id: "7" }), undefined);
  });

  test("a start message carries TLS material and the CID allowlist only in the expected shape", () => {
    const base = { fastgrpc: "start", listen: ["tls://127.0.0.1:0"], inherited: [], keys: { keys: [] }, metrics: true };
    const tls = { cert: new Uint8Array([1]), key: new Uint8Array([2]), clientCa: "pem" };
    const parsed = parsePrimaryMessage({ ...base, tls, allowCids: [3, 4] });
    assert.equal(parsed?.fastgrpc, "start");
    assert.deepEqual(parsed?.fastgrpc === "start" ? [parsed.tls, parsed.allowCids, parsed.metrics] : [], [tls, [3, 4], true]);
    assert.equal(parsePrimaryMessage({ ...base, tls: { cert: 1, key: new Uint8Array() } }), undefined);
    assert.equal(parsePrimaryMessage({ ...base, allowCids: [-1] }), undefined);
    assert.equal(parsePrimaryMessage({ ...base, metrics: "yes" }), undefined);
  });
});
