/**
 * Sums the metrics snapshots of several worker processes into one: calls and latency buckets by method, connections
 * by transport, labelled counters by name and label value. Histograms add bucket by bucket (each worker's buckets
 * have the same bounds), which is exactly the histogram of all the calls. Gauges (calls in flight, open
 * connections) are added only from snapshots that describe now: a worker's older snapshot adds its counters alone.
 */
import type { ConnectionSnapshot, CounterSnapshot, MethodSnapshot, MetricsSnapshot } from "../metrics.js";

interface MethodTotals {
  readonly service: string;
  readonly method: string;
  readonly type: string;
  started: number;
  inFlight: number;
  readonly handled: number[];
  readonly buckets: number[];
  latencySumMs: number;
  received: number;
  sent: number;
}

interface CounterTotals {
  readonly help: string;
  readonly label: string;
  readonly values: Map<string, number>;
}

/** Adds `from` into `into`, index by index (`into` grows when `from` is longer). */
function addInto(into: number[], from: readonly number[]): void {
  for (let index = 0; index < from.length; index++) into[index] = (into[index] ?? 0) + (from[index] ?? 0);
}

export class SnapshotSum {
  private readonly methods = new Map<string, MethodTotals>();
  private readonly connections = new Map<string, { open: number; accepted: number; refused: number }>();
  private readonly counters = new Map<string, CounterTotals>();

  /** Adds a snapshot; `withGauges` false adds its counters only (a snapshot that may be out of date). */
  add(snapshot: MetricsSnapshot, withGauges: boolean): this {
    for (const method of snapshot.methods) this.addMethod(method, withGauges);
    for (const connection of snapshot.connections) this.addConnection(connection, withGauges);
    for (const counter of snapshot.counters) this.addCounter(counter);
    return this;
  }

  private addMethod(from: MethodSnapshot, withGauges: boolean): void {
    // Type is part of the key: the same name registered as another kind is another series.
    const key = `${from.type}\n${from.service}\n${from.method}`;
    let totals = this.methods.get(key);
    if (totals === undefined) {
      totals = { service: from.service, method: from.method, type: from.type, started: 0, inFlight: 0, handled: [], buckets: [], latencySumMs: 0, received: 0, sent: 0 };
      this.methods.set(key, totals);
    }
    totals.started += from.started;
    if (withGauges) totals.inFlight += from.inFlight;
    addInto(totals.handled, from.handled);
    addInto(totals.buckets, from.buckets);
    totals.latencySumMs += from.latencySumMs;
    totals.received += from.received;
    totals.sent += from.sent;
  }

  private addConnection(from: ConnectionSnapshot, withGauges: boolean): void {
    let totals = this.connections.get(from.transport);
    if (totals === undefined) {
      totals = { open: 0, accepted: 0, refused: 0 };
      this.connections.set(from.transport, totals);
    }
    if (withGauges) totals.open += from.open;
    totals.accepted += from.accepted;
    totals.refused += from.refused;
  }

  private addCounter(from: CounterSnapshot): void {
    let totals = this.counters.get(from.name);
    if (totals === undefined) {
      totals = { help: from.help, label: from.label, values: new Map() };
      this.counters.set(from.name, totals);
    }
    for (const [value, count] of from.values) totals.values.set(value, (totals.values.get(value) ?? 0) + count);
  }

  /** The sum so far, as a snapshot of its own (copies). */
  snapshot(): MetricsSnapshot {
    return {
      methods: [...this.methods.values()].map((totals) => ({ ...totals, handled: [...totals.handled], buckets: [...totals.buckets] })),
      connections: [...this.connections].map(([transport, totals]) => ({ transport, ...totals })),
      counters: [...this.counters].map(([name, totals]) => ({ name, help: totals.help, label: totals.label, values: [...totals.values] })),
    };
  }
}
