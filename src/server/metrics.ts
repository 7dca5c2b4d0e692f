/**
 * Server metrics in Prometheus text exposition format (version 0.0.4). Counters are plain numbers in objects made
 * once per method, transport or label value, so recording a call costs one performance.now() (the start reading is
 * shared by the calls of one event-loop run), a few increments and a bucket search — no strings, no maps on the hot
 * path. When metrics are off the server holds no ServerMetrics at all and each call pays one null check.
 *
 * Names and label values follow go-grpc-prometheus (grpc_server_started_total, grpc_server_handled_total,
 * grpc_server_msg_received_total, grpc_server_msg_sent_total, grpc_server_handling_seconds; grpc_type is unary,
 * client_stream, server_stream or bidi_stream) so existing gRPC dashboards work, plus fastgrpc_* for the rest and
 * the usual process_* / nodejs_* process metrics.
 *
 * Rendering goes through a snapshot (plain data), so that a multi-worker server's primary can render the sum of
 * its workers' snapshots with the same code (workers/metrics-collector.ts).
 */
import { performance } from "node:perf_hooks";
import { codeName } from "../errors/codes.js";

/** Latency histogram bucket bounds, in seconds: 50 µs to 10 s. */
export const LATENCY_BUCKETS_SECONDS: readonly number[] = [
  0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
const BOUNDS_MS = Float64Array.from(LATENCY_BUCKETS_SECONDS, (seconds) => seconds * 1000);
const CODE_COUNT = 17;

/** go-grpc-prometheus's grpc_type label values, by fastgrpc's method kinds (the router's names). */
const GRPC_TYPE_LABELS: Readonly<Record<string, string>> = {
  unary: "unary",
  client_streaming: "client_stream",
  server_streaming: "server_stream",
  bidi_streaming: "bidi_stream",
};

/** The grpc_type label of a method kind, as go-grpc-prometheus writes it (an unknown kind is kept as it is). */
export function grpcTypeLabel(kind: string): string {
  return GRPC_TYPE_LABELS[kind] ?? kind;
}

/**
 * A call's start time is read once per synchronous run of the event loop: the calls of one socket chunk share the
 * reading taken when the first of them started (cleared at the next microtask checkpoint). A clock read costs
 * ~100 ns on the machines measured here, and two per call were most of the metrics' cost. The end is read
 * precisely, so a latency counts from when its chunk began to be processed: never less than the call's own time,
 * and at most one synchronous run (the calls ahead of it in the same chunk) more.
 */
let currentRun: RunStart | null = null;
const endRun = (): void => {
  currentRun = null;
};

/**
 * The start clock of the calls of one synchronous run, as an object: a call keeps a pointer to it, where a number
 * field would cost a heap-allocated double per call. One allocation per run, not per call.
 */
export interface RunStart {
  readonly ms: number;
}

function runStart(): RunStart {
  if (currentRun === null) {
    currentRun = { ms: performance.now() };
    queueMicrotask(endRun);
  }
  return currentRun;
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
  /** Request messages decoded and response messages encoded for sending (go-grpc-prometheus's msg counters). */
  received = 0;
  sent = 0;

  /** `type` is the grpc_type label value (grpcTypeLabel). */
  constructor(readonly service: string, readonly method: string, readonly type: string) {}

  /** A call began; returns its start time for end(). */
  start(): RunStart {
    this.started++;
    this.inFlight++;
    return runStart();
  }

  end(startedAt: RunStart, code: number): void {
    const ms = performance.now() - startedAt.ms;
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

  /** The counts by label value (text, so that another process can render them without labelValue). */
  snapshot(): CounterSnapshot {
    const values: Array<[string, number]> = [];
    for (const [index, cell] of this.counts) values.push([this.labelValue(index), cell.value]);
    return { name: this.name, help: this.help, label: this.label, values };
  }
}

/* ------------------------------------------------------------------ snapshots */
// Plain data (numbers, strings, arrays): what a worker process sends its primary, which sums them (workers/).

export interface MethodSnapshot {
  readonly service: string;
  readonly method: string;
  readonly type: string;
  readonly started: number;
  readonly inFlight: number;
  /** Finished calls by status code (index = code). */
  readonly handled: readonly number[];
  /** Non-cumulative counts per LATENCY_BUCKETS_SECONDS bound, then +Inf. */
  readonly buckets: readonly number[];
  readonly latencySumMs: number;
  readonly received: number;
  readonly sent: number;
}

export interface ConnectionSnapshot {
  readonly transport: string;
  readonly open: number;
  readonly accepted: number;
  readonly refused: number;
}

export interface CounterSnapshot {
  readonly name: string;
  readonly help: string;
  readonly label: string;
  /** [label value, count] pairs. */
  readonly values: ReadonlyArray<readonly [string, number]>;
}

export interface MetricsSnapshot {
  readonly methods: readonly MethodSnapshot[];
  readonly connections: readonly ConnectionSnapshot[];
  readonly counters: readonly CounterSnapshot[];
}

/** What a process that counts nothing reports. */
export const EMPTY_METRICS_SNAPSHOT: MetricsSnapshot = Object.freeze({ methods: [], connections: [], counters: [] });

/** One process's CPU and memory figures. */
export interface ProcessSample {
  readonly cpuUserSeconds: number;
  readonly cpuSystemSeconds: number;
  readonly residentBytes: number;
  readonly heapTotalBytes: number;
  readonly heapUsedBytes: number;
  readonly externalBytes: number;
  readonly startTimeSeconds: number;
}

/** A process sample and the `process` label value it is rendered with (none: a single-process server). */
export interface LabelledProcessSample {
  readonly process?: string;
  readonly sample: ProcessSample;
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

  /** The counters of one method (the same object if the method is registered again). */
  forMethod(path: string, service: string, method: string, kind: string): MethodStats {
    let stats = this.methods.get(path);
    if (stats === undefined) {
      stats = new MethodStats(service, method, grpcTypeLabel(kind));
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

  /** Every count as plain data (copies: later calls do not change it). */
  snapshot(): MetricsSnapshot {
    const methods: MethodSnapshot[] = [];
    for (const stats of this.methods.values()) {
      methods.push({
        service: stats.service, method: stats.method, type: stats.type, started: stats.started, inFlight: stats.inFlight,
        handled: Array.from(stats.handled), buckets: Array.from(stats.buckets), latencySumMs: stats.latencySumMs,
        received: stats.received, sent: stats.sent,
      });
    }
    const connections: ConnectionSnapshot[] = [];
    for (const [transport, counts] of this.connections) connections.push({ transport, ...counts });
    return { methods, connections, counters: this.counters.map((counter) => counter.snapshot()) };
  }

  /** The whole exposition, as served at /metrics. */
  render(): string {
    return [...renderExposition(this.snapshot(), [{ sample: sampleProcess() }]), ""].join("\n");
  }
}

const PROCESS_START_TIME_SECONDS = Math.round(Date.now() / 1000 - process.uptime());

/** This process's CPU and memory now. */
export function sampleProcess(): ProcessSample {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  return {
    cpuUserSeconds: cpu.user / 1e6,
    cpuSystemSeconds: cpu.system / 1e6,
    residentBytes: memory.rss,
    heapTotalBytes: memory.heapTotal,
    heapUsedBytes: memory.heapUsed,
    externalBytes: memory.external,
    startTimeSeconds: PROCESS_START_TIME_SECONDS,
  };
}

/**
 * The exposition lines (no final newline) for the counts of `snapshot` and the process figures of `processes`
 * (one series per process, labelled `process="..."` when it has a label).
 */
export function renderExposition(snapshot: MetricsSnapshot, processes: readonly LabelledProcessSample[]): string[] {
  const out: string[] = [];
  renderCalls(out, snapshot.methods);
  renderConnections(out, snapshot.connections);
  for (const counter of snapshot.counters) {
    out.push(`# HELP ${counter.name} ${counter.help}`, `# TYPE ${counter.name} counter`);
    for (const [value, count] of counter.values) out.push(`${counter.name}{${counter.label}="${escapeLabel(value)}"} ${count}`);
  }
  renderProcesses(out, processes);
  return out;
}

function renderCalls(out: string[], methods: readonly MethodSnapshot[]): void {
  const labels = (stats: MethodSnapshot) =>
    `grpc_type="${escapeLabel(stats.type)}",grpc_service="${escapeLabel(stats.service)}",grpc_method="${escapeLabel(stats.method)}"`;
  out.push("# HELP grpc_server_started_total Calls started on the server.", "# TYPE grpc_server_started_total counter");
  for (const stats of methods) out.push(`grpc_server_started_total{${labels(stats)}} ${stats.started}`);
  out.push("# HELP grpc_server_handled_total Calls finished on the server, by status code.", "# TYPE grpc_server_handled_total counter");
  for (const stats of methods) {
    for (let code = 0; code < CODE_COUNT; code++) {
      const count = stats.handled[code] ?? 0;
      if (count > 0) out.push(`grpc_server_handled_total{${labels(stats)},grpc_code="${codeName(code)}"} ${count}`);
    }
  }
  out.push("# HELP grpc_server_msg_received_total Request messages received on the server.", "# TYPE grpc_server_msg_received_total counter");
  for (const stats of methods) out.push(`grpc_server_msg_received_total{${labels(stats)}} ${stats.received}`);
  out.push("# HELP grpc_server_msg_sent_total Response messages sent by the server.", "# TYPE grpc_server_msg_sent_total counter");
  for (const stats of methods) out.push(`grpc_server_msg_sent_total{${labels(stats)}} ${stats.sent}`);
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

function renderConnections(out: string[], connections: readonly ConnectionSnapshot[]): void {
  const labels = (counts: ConnectionSnapshot) => `transport="${escapeLabel(counts.transport)}"`;
  out.push("# HELP fastgrpc_server_connections_open Connections open now, by transport.", "# TYPE fastgrpc_server_connections_open gauge");
  for (const counts of connections) out.push(`fastgrpc_server_connections_open{${labels(counts)}} ${counts.open}`);
  out.push("# HELP fastgrpc_server_connections_accepted_total Connections accepted, by transport.", "# TYPE fastgrpc_server_connections_accepted_total counter");
  for (const counts of connections) out.push(`fastgrpc_server_connections_accepted_total{${labels(counts)}} ${counts.accepted}`);
  out.push("# HELP fastgrpc_server_connections_refused_total Connections closed before HTTP/2 by an access rule, by transport.", "# TYPE fastgrpc_server_connections_refused_total counter");
  for (const counts of connections) out.push(`fastgrpc_server_connections_refused_total{${labels(counts)}} ${counts.refused}`);
}

const PROCESS_FAMILIES: ReadonlyArray<readonly [name: string, type: "counter" | "gauge", help: string, value: (sample: ProcessSample) => number]> = [
  ["process_cpu_user_seconds_total", "counter", "User CPU time spent, in seconds.", (s) => s.cpuUserSeconds],
  ["process_cpu_system_seconds_total", "counter", "System CPU time spent, in seconds.", (s) => s.cpuSystemSeconds],
  ["process_cpu_seconds_total", "counter", "Total user and system CPU time spent, in seconds.", (s) => s.cpuUserSeconds + s.cpuSystemSeconds],
  ["process_resident_memory_bytes", "gauge", "Resident memory size, in bytes.", (s) => s.residentBytes],
  ["process_start_time_seconds", "gauge", "Start time of the process since the Unix epoch, in seconds.", (s) => s.startTimeSeconds],
  ["nodejs_heap_size_total_bytes", "gauge", "V8 heap size, in bytes.", (s) => s.heapTotalBytes],
  ["nodejs_heap_size_used_bytes", "gauge", "V8 heap used, in bytes.", (s) => s.heapUsedBytes],
  ["nodejs_external_memory_bytes", "gauge", "Memory of C++ objects bound to JavaScript (Buffers...), in bytes.", (s) => s.externalBytes],
];

function renderProcesses(out: string[], processes: readonly LabelledProcessSample[]): void {
  for (const [name, type, help, value] of PROCESS_FAMILIES) {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const { process: label, sample } of processes) {
      out.push(label === undefined ? `${name} ${value(sample)}` : `${name}{process="${escapeLabel(label)}"} ${value(sample)}`);
    }
  }
}

/** Label values escape backslash, double quote and newline (exposition format rules). */
export function escapeLabel(value: string): string {
  return value.replace(/[\\"\n]/g, (char) => (char === "\n" ? "\\n" : `\\${char}`));
}
