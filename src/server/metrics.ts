/**
 * Server metrics in Prometheus text exposition format (version 0.0.4). Counters are plain numbers in objects made
 * once per method, transport or label value, so recording a call costs two performance.now() calls, a few
 * increments and a bucket search — no strings, no maps on the hot path. When metrics are off the server holds no
 * ServerMetrics at all and each call pays one null check.
 *
 * Names follow go-grpc-prometheus (grpc_server_started_total, grpc_server_handled_total,
 * grpc_server_handling_seconds) so existing gRPC dashboards work, plus fastgrpc_* for the rest and the usual
 * process_* / nodejs_* process metrics.
 */
import { performance } from "node:perf_hooks";
import { codeName } from "../errors/codes.js";

/** Latency histogram bucket bounds, in seconds: 50 µs to 10 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const BOUNDS_MS = Float64Array.from(LATENCY_BUCKETS_SECONDS, (seconds) => seconds * 1000);
const CODE_COUNT = 17;

/**
 * A call's start time is read once per synchronous run of the event loop: the calls of one socket chunk share the
 * reading taken when the first of them started (cleared at the next microtask checkpoint). A clock read costs
 * ~100 ns on the machines measured here, and two per call were most of the metrics' cost. The end is read
 * precisely, so a latency counts from when its chunk began to be processed: never less than the call's own time,
 * and at most one synchronous run (the calls ahead of it in the same chunk) more.
 */
let cachedNow = -1;
const clearCachedNow = (): void => {
  cachedNow = -1;
};
function coarseNow(): number {
  if (cachedNow < 0) {
    cachedNow = performance.now();
    queueMicrotask(clearCachedNow);
  }
  return cachedNow;
}

/** Per-method counters. One object per registered method, found through RegisteredMethod.stats. */
export class MethodStats {
  started = 0;
  inFlight = 0;
  /** Finished calls by status code (index = code). */
  readonly handled = new Float64Array(CODE_COUNT);
  /** Non-cumulative bucket counts; the last one is +Inf. */
  readonly buckets = new Float64Array(BOUNDS_MS.length + 1);
  latencySumMs = 0;

  constructor(readonly service: string, readonly method: string, readonly type: string) {}

  /** A call began; returns its start time for end(). */
  start(): number {
    this.started++;
    this.inFlight++;
    return coarseNow();
  }

  end(startedAt: number, code: number): void {
    const ms = performance.now() - startedAt;
    this.inFlight--;
    const index = code >= 0 && code < CODE_COUNT ? code : 2;
    this.handled[index] = (this.handled[index] ?? 0) + 1;
    this.latencySumMs += ms;
    let bucket = 0;
    const bounds = BOUNDS_MS;
    while (bucket < bounds.length && ms > (bounds[bucket] ?? Infinity)) bucket++;
    this.buckets[bucket] = (this.buckets[bucket] ?? 0) + 1;
  }
}

/** A counter whose one label takes a small set of integer-coded values (e.g. signature algorithm enums). */
export class IndexedCounter {
  private readonly counts = new Map<number, { value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly label: string,
    private readonly labelValue: (index: number) => string,
  ) {}

  inc(index: number): void {
    const cell = this.counts.get(index);
    if (cell !== undefined) cell.value++;
    else this.counts.set(index, { value: 1 });
  }

  render(out: string[]): void {
    out.push(`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`);
    for (const [index, cell] of this.counts) out.push(`${this.name}{${this.label}="${escapeLabel(this.labelValue(index))}"} ${cell.value}`);
  }
}

interface ConnectionCounts {
  open: number;
  accepted: number;
  refused: number;
}

export class ServerMetrics {
  private readonly methods = new Map<string, MethodStats>();
  private readonly connections = new Map<string, ConnectionCounts>();
  private readonly counters: IndexedCounter[] = [];
  private readonly startTimeSeconds = Math.round(Date.now() / 1000 - process.uptime());

  /** The counters of one method (the same object if the method is registered again). */
  forMethod(path: string, service: string, method: string, kind: string): MethodStats {
    let stats = this.methods.get(path);
    if (stats === undefined) {
      stats = new MethodStats(service, method, kind);
      this.methods.set(path, stats);
    }
    return stats;
  }

  private connectionCounts(transport: string): ConnectionCounts {
    let counts = this.connections.get(transport);
    if (counts === undefined) {
      counts = { open: 0, accepted: 0, refused: 0 };
      this.connections.set(transport, counts);
    }
    return counts;
  }

  /** An accepted connection; returns what to call when it closes. */
  connectionOpened(transport: string): () => void {
    const counts = this.connectionCounts(transport);
    counts.accepted++;
    counts.open++;
    let closed = false;
    return () => {
      if (closed) return;
      closed = true;
      counts.open--;
    };
  }

  /** A connection closed before HTTP/2 (e.g. a VSOCK CID not on the allowlist). */
  connectionRefused(transport: string): void {
    this.connectionCounts(transport).refused++;
  }

  /** A labelled counter rendered with the rest (e.g. signatures by algorithm). */
  indexedCounter(name: string, help: string, label: string, labelValue: (index: number) => string): IndexedCounter {
    const counter = new IndexedCounter(name, help, label, labelValue);
    this.counters.push(counter);
    return counter;
  }

  /** The whole exposition, as served at /metrics. */
  render(): string {
    const out: string[] = [];
    this.renderCalls(out);
    this.renderConnections(out);
    for (const counter of this.counters) counter.render(out);
    renderProcess(out, this.startTimeSeconds);
    out.push("");
    return out.join("\n");
  }

  private renderCalls(out: string[]): void {
    const methods = [...this.methods.values()];
    const labels = (stats: MethodStats) =>
      `grpc_type="${stats.type}",grpc_service="${escapeLabel(stats.service)}",grpc_method="${escapeLabel(stats.method)}"`;
    out.push("# HELP grpc_server_started_total Calls started on the server.", "# TYPE grpc_server_started_total counter");
    for (const stats of methods) out.push(`grpc_server_started_total{${labels(stats)}} ${stats.started}`);
    out.push("# HELP grpc_server_handled_total Calls finished on the server, by status code.", "# TYPE grpc_server_handled_total counter");
    for (const stats of methods) {
      for (let code = 0; code < CODE_COUNT; code++) {
        const count = stats.handled[code] ?? 0;
        if (count > 0) out.push(`grpc_server_handled_total{${labels(stats)},grpc_code="${codeName(code)}"} ${count}`);
      }
    }
    out.push("# HELP fastgrpc_server_calls_in_flight Calls running now.", "# TYPE fastgrpc_server_calls_in_flight gauge");
    for (const stats of methods) out.push(`fastgrpc_server_calls_in_flight{${labels(stats)}} ${stats.inFlight}`);
    out.push(
      "# HELP grpc_server_handling_seconds Time from the first request byte to the status, by method.",
      "# TYPE grpc_server_handling_seconds histogram",
    );
    for (const stats of methods) {
      let cumulative = 0;
      const base = labels(stats);
      LATENCY_BUCKETS_SECONDS.forEach((bound, index) => {
        cumulative += stats.buckets[index] ?? 0;
        out.push(`grpc_server_handling_seconds_bucket{${base},le="${bound}"} ${cumulative}`);
      });
      cumulative += stats.buckets[LATENCY_BUCKETS_SECONDS.length] ?? 0;
      out.push(`grpc_server_handling_seconds_bucket{${base},le="+Inf"} ${cumulative}`);
      out.push(`grpc_server_handling_seconds_sum{${base}} ${stats.latencySumMs / 1000}`);
      out.push(`grpc_server_handling_seconds_count{${base}} ${cumulative}`);
    }
  }

  private renderConnections(out: string[]): void {
    out.push("# HELP fastgrpc_server_connections_open Connections open now, by transport.", "# TYPE fastgrpc_server_connections_open gauge");
    for (const [transport, counts] of this.connections) out.push(`fastgrpc_server_connections_open{transport="${escapeLabel(transport)}"} ${counts.open}`);
    out.push("# HELP fastgrpc_server_connections_accepted_total Connections accepted, by transport.", "# TYPE fastgrpc_server_connections_accepted_total counter");
    for (const [transport, counts] of this.connections) out.push(`fastgrpc_server_connections_accepted_total{transport="${escapeLabel(transport)}"} ${counts.accepted}`);
    out.push("# HELP fastgrpc_server_connections_refused_total Connections closed before HTTP/2 by an access rule, by transport.", "# TYPE fastgrpc_server_connections_refused_total counter");
    for (const [transport, counts] of this.connections) out.push(`fastgrpc_server_connections_refused_total{transport="${escapeLabel(transport)}"} ${counts.refused}`);
  }
}

function renderProcess(out: string[], startTimeSeconds: number): void {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const user = cpu.user / 1e6;
  const system = cpu.system / 1e6;
  out.push(
    "# HELP process_cpu_user_seconds_total User CPU time spent, in seconds.", "# TYPE process_cpu_user_seconds_total counter",
    `process_cpu_user_seconds_total ${user}`,
    "# HELP process_cpu_system_seconds_total System CPU time spent, in seconds.", "# TYPE process_cpu_system_seconds_total counter",
    `process_cpu_system_seconds_total ${system}`,
    "# HELP process_cpu_seconds_total Total user and system CPU time spent, in seconds.", "# TYPE process_cpu_seconds_total counter",
    `process_cpu_seconds_total ${user + system}`,
    "# HELP process_resident_memory_bytes Resident memory size, in bytes.", "# TYPE process_resident_memory_bytes gauge",
    `process_resident_memory_bytes ${memory.rss}`,
    "# HELP process_start_time_seconds Start time of the process since the Unix epoch, in seconds.", "# TYPE process_start_time_seconds gauge",
    `process_start_time_seconds ${startTimeSeconds}`,
    "# HELP nodejs_heap_size_total_bytes V8 heap size, in bytes.", "# TYPE nodejs_heap_size_total_bytes gauge",
    `nodejs_heap_size_total_bytes ${memory.heapTotal}`,
    "# HELP nodejs_heap_size_used_bytes V8 heap used, in bytes.", "# TYPE nodejs_heap_size_used_bytes gauge",
    `nodejs_heap_size_used_bytes ${memory.heapUsed}`,
    "# HELP nodejs_external_memory_bytes Memory of C++ objects bound to JavaScript (Buffers...), in bytes.", "# TYPE nodejs_external_memory_bytes gauge",
    `nodejs_external_memory_bytes ${memory.external}`,
  );
}

/** Label values escape backslash, double quote and newline (exposition format rules). */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === "\n" ? "\\n" : `\\${char}`));
}
