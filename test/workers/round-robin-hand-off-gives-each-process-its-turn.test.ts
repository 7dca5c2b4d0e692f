// The primary's connection hand-off: turns go to the primary and each listening worker in a circle; a send that
// cannot start leaves the connection with the primary, one that fails later destroys it (the client reconnects).
import assert from "node:assert/strict";
import { Socket } from "node:net";
import { test } from "node:test";
import { type HandOffTarget, RoundRobinHandOff } from "../../src/server/workers/connection-hand-off.js";
import type { PrimaryMessage } from "../../src/server/workers/messages.js";

interface Sent {
  pid: number;
  message: PrimaryMessage;
  socket: Socket;
  done: (error: Error | null) => void;
}

function targets(pids: number[], sent: Sent[], refuse = new Set<number>()): HandOffTarget[] {
  return pids.map((pid) => ({
    pid,
    send(message, socket, done) {
      if (refuse.has(pid)) return false;
      sent.push({ pid, message, socket, done });
      return true;
    },
  }));
}

test("turns go to the primary, then each worker, in a circle, with the listener's number", () => {
  const sent: Sent[] = [];
  const handOff = new RoundRobinHandOff(() => targets([11, 12], sent));
  const kept = Array.from({ length: 7 }, (_, i) => handOff.handOff(i % 2, new Socket()));
  assert.deepEqual(kept, [false, true, true, false, true, true, false]);
  assert.deepEqual(sent.map((each) => each.pid), [11, 12, 11, 12]);
  assert.deepEqual(sent.map((each) => each.message), [
    { fastgrpc: "connection", listener: 1 }, { fastgrpc: "connection", listener: 0 },
    { fastgrpc: "connection", listener: 0 }, { fastgrpc: "connection", listener: 1 },
  ]);
});

test("with no listening worker every connection stays; a worker that starts listening joins the circle", () => {
  const sent: Sent[] = [];
  let pids: number[] = [];
  const handOff = new RoundRobinHandOff(() => targets(pids, sent));
  assert.deepEqual([handOff.handOff(0, new Socket()), handOff.handOff(0, new Socket())], [false, false]);
  pids = [21];
  const turns = Array.from({ length: 4 }, () => handOff.handOff(0, new Socket()));
  assert.equal(turns.filter((given) => given).length, 2, "one turn in two goes to the new worker");
  assert.ok(turns.every((given, i) => i === 0 || given !== turns[i - 1]), `alternating: ${turns.join(",")}`);
  assert.deepEqual(sent.map((each) => each.pid), [21, 21]);
});

test("a send that cannot start keeps the connection here; one that fails later destroys it", () => {
  const sent: Sent[] = [];
  const handOff = new RoundRobinHandOff(() => targets([31, 32], sent, new Set([31])));
  assert.equal(handOff.handOff(0, new Socket()), false, "the primary's turn");
  assert.equal(handOff.handOff(0, new Socket()), false, "worker 31 cannot be sent to: served here");
  const socket = new Socket();
  assert.equal(handOff.handOff(0, socket), true, "worker 32's turn");
  const [last] = sent;
  assert.ok(last);
  last.done(null);
  assert.equal(socket.destroyed, false, "a delivered connection is the worker's");
  const lost = new Socket();
  handOff.handOff(0, new Socket());
  handOff.handOff(0, new Socket());
  assert.equal(handOff.handOff(0, lost), true);
  sent.at(-1)?.done(new Error("channel closed"));
  assert.equal(lost.destroyed, true, "a connection whose send failed is closed, not left open");
});
