// The connection policy on its own (a fake ManagedConnection, a ManualClock): grpc-go's strike rules in detail, and
// no timer outlives its connection.
import assert from "node:assert/strict";
import { test } from "node:test";
import { connectionManagement, type ServerKeepaliveOptions } from "../../../src/server/connection-management/index.js";
import type { ManagedConnection, ManagedConnectionEvents } from "../../../src/engine/types.js";
import { ManualClock } from "../../pool/support/manual-clock.js";

class FakeConnection implements ManagedConnection {
  activeStreams = 0;
  goaways: Array<{ code: number; debugData: string } | "graceful"> = [];
  destroyed: Error | undefined;
  pings: Array<(error: Error | null) => void> = [];
  ping(callback: (error: Error | null) => void): boolean {
    this.pings.push(callback);
    return true;
  }
  goawayGracefully(): void {
    this.goaways.push("graceful");
  }
  goawayAndClose(code: number, debugData: string): void {
    this.goaways.push({ code, debugData });
  }
  destroy(error: Error): void {
    this.destroyed = error;
  }
}

function managed(options: ServerKeepaliveOptions) {
  const clock = new ManualClock();
  const conn = new FakeConnection();
  const events: ManagedConnectionEvents = connectionManagement(options, clock)(conn);
  const open = () => { conn.activeStreams++; events.onStreamOpened?.(); };
  const close = () => { conn.activeStreams--; events.onStreamClosed?.(); };
  return { clock, conn, events, open, close };
}

const TOO_MANY = { code: 11, debugData: "too_many_pings" };

test("without streams, PINGs 2 hours apart are fine and closer ones are strikes (not permitted)", () => {
  const { clock, conn, events } = managed({ minPingIntervalMs: 1000 });
  for (let i = 0; i < 5; i++) {
    events.onPing?.();
    clock.advance(2 * 60 * 60_000);
  }
  assert.deepEqual(conn.goaways, []);
  events.onPing?.();
  clock.advance(2 * 60 * 60_000 - 1);
  events.onPing?.(); // strike 1
  events.onPing?.(); // strike 2
  assert.deepEqual(conn.goaways, []);
  events.onPing?.(); // strike 3
  assert.deepEqual(conn.goaways, [TOO_MANY]);
});

test("stream activity resets the strikes: the next PING is not judged", () => {
  const { conn, events, open, close } = managed({ minPingIntervalMs: 60_000 });
  open();
  events.onPing?.(); // judged fine: reset pending from the open, strikes 0
  events.onPing?.(); // strike 1
  events.onPing?.(); // strike 2
  close(); // reset
  events.onPing?.(); // not judged, strikes back to 0
  events.onPing?.(); // strike 1
  events.onPing?.(); // strike 2
  assert.deepEqual(conn.goaways, []);
  events.onPing?.(); // strike 3
  assert.deepEqual(conn.goaways, [TOO_MANY]);
});

test("no enforcement with minPingIntervalMs 0 and permitWithoutStream", () => {
  const { conn, events } = managed({ minPingIntervalMs: 0, permitWithoutStream: true });
  for (let i = 0; i < 100; i++) events.onPing?.();
  assert.deepEqual(conn.goaways, []);
});

test("a closed connection leaves no timer behind and ignores late events", () => {
  const { clock, conn, events, open, close } = managed({
    timeMs: 1000, maxConnectionIdleMs: 2000, maxConnectionAgeMs: 5000, maxConnectionAgeGraceMs: 1000,
  });
  open();
  close();
  assert.ok(clock.pendingAt().length >= 3, "keepalive, idle and age timers are armed");
  events.onClose?.();
  assert.deepEqual(clock.pendingAt(), []);
  events.onPing?.();
  close();
  clock.advance(60_000);
  assert.deepEqual(conn.goaways, []);
  assert.equal(conn.pings.length, 0);
  assert.equal(conn.destroyed, undefined);
});

test("a keepalive PING that fails (connection gone) stops pinging; an answered one re-arms", () => {
  const { clock, conn } = managed({ timeMs: 1000, timeoutMs: 500 });
  clock.advance(1000);
  assert.equal(conn.pings.length, 1);
  conn.pings[0]?.(null);
  clock.advance(1000);
  assert.equal(conn.pings.length, 2);
  conn.pings[1]?.(new Error("connection closed"));
  clock.advance(10_000);
  assert.equal(conn.pings.length, 2);
  assert.equal(conn.destroyed, undefined);
});

test("bad options are refused when the server is built", () => {
  assert.throws(() => connectionManagement({ maxConnectionAgeMs: -1 }), RangeError);
  assert.throws(() => connectionManagement({ timeMs: Number.NaN }), RangeError);
});
