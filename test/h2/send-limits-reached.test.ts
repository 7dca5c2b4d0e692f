/**
 * Every send-side limit of tuning.ts, reached: a peer that stops reading its socket leaves at most about
 * outputHighWaterBytes in it (DATA waits in the streams' queues), output that cannot wait (header blocks) past
 * outputHardCapBytes closes the connection, and a stream whose owner ignores backpressure is told to wait above
 * streamQueueSoftBytes and reset above streamQueueHardBytes. The stall timer is set far out of reach, so only the
 * limit under test can act.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createH2ServerEngine } from "../../src/engine/h2/index.js";
import type { ServerStream } from "../../src/engine/types.js";
import { E, F, data, grpcFrame, S, T, windowUpdate } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";
import { requestHeaders, serverHarness } from "./support/server-harness.js";

const NO_STALL = { stallTimeoutMs: 600_000 };
const HIGH_WATER = 64 * 1024;

/** The largest amount a server socket of `sockets` held while `during` ran, sampled every 5 ms. */
async function peakWaiting(sockets: net.Socket[], during: Promise<unknown>): Promise<number> {
  let peak = 0;
  let done = false;
  void during.finally(() => { done = true; });
  while (!done) {
    for (const s of sockets) peak = Math.max(peak, s.writableLength);
    await sleep(5);
  }
  return peak;
}

describe("limit: outputHighWaterBytes (a peer that stops reading its socket)", () => {
  const h = serverHarness({ ...NO_STALL, outputHighWaterBytes: HIGH_WATER });

  it("keeps at most about the high-water mark in the socket, not the 40 MB asked for, and keeps the connection", async () => {
    const p = await h.peer([[S.INITIAL_WINDOW_SIZE, 2 ** 31 - 1]]);
    p.send(windowUpdate(0, 2 ** 31 - 1 - 65535));
    await sleep(20);
    p.socket.pause();
    const reqs = [];
    for (let i = 0; i < 40; i++) {
      reqs.push(requestHeaders(p, 1 + 2 * i, "/test.Echo/Big?n=1000000"), data(1 + 2 * i, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    }
    p.send(Buffer.concat(reqs));
    const sockets = h.server().sockets;
    const peak = await peakWaiting(sockets, sleep(1500));
    assert.ok(peak > 0, "the socket did fill up (the peer really stopped reading)");
    // One flush moves DATA until the output holds the high-water mark, plus a frame: never the whole 40 MB.
    assert.ok(peak <= 3 * HIGH_WATER, `${peak} bytes waited in the socket`);
    assert.equal(h.server().engine.connectionCount, 1, "the connection is kept (no stall timer within reach)");
    p.close();
  });
});

describe("limit: outputHardCapBytes (output that cannot wait for the peer)", () => {
  // Response header blocks are written whatever the socket holds; each call here answers with 8 KB of metadata.
  const h = serverHarness({ ...NO_STALL, outputHighWaterBytes: HIGH_WATER, outputHardCapBytes: 1024 * 1024 }, 10_000);

  it("a peer that asks for header blocks without reading them is disconnected once 1 MiB waits", async () => {
    const p = await h.peer();
    await sleep(20);
    p.socket.pause();
    const pad = "p".repeat(8000);
    const before = h.server().errors.length;
    for (let i = 0; i < 3000 && h.server().engine.connectionCount > 0; i++) {
      const sid = 1 + 2 * i;
      p.send(requestHeaders(p, sid, "/test.Echo/Metadata", F.END_HEADERS, [["x-pad", pad]]),
        data(sid, grpcFrame(Buffer.from("hi")), F.END_STREAM));
      if (i % 100 === 99) await sleep(1);
    }
    const deadline = Date.now() + 5000;
    while (h.server().engine.connectionCount > 0 && Date.now() < deadline) await sleep(20);
    assert.equal(h.server().engine.connectionCount, 0, "connection closed");
    assert.ok(h.server().errors.slice(before).some((e) => /peer is not reading/.test(e.message)),
      h.server().errors.map((e) => e.message).join("; "));
    p.close();
  });
});

describe("limit: streamQueueSoftBytes and streamQueueHardBytes (a sender with no window)", () => {
  it("sendMessage says wait above the soft limit, onDrain comes once the window opens, and ignoring it resets the stream", async () => {
    const SOFT = 64 * 1024;
    const HARD = 256 * 1024;
    const results: boolean[] = [];
    let drains = 0;
    let ignoring: ServerStream | undefined;
    const engine = createH2ServerEngine({
      onStream(stream) {
        const chunk = grpcFrame(Buffer.alloc(32 * 1024, 1));
        if (stream.path === "/test.Echo/Polite") {
          stream.sendHeaders();
          for (let i = 0; i < 4; i++) results.push(stream.sendMessage(chunk));
        } else {
          ignoring = stream;
          stream.sendHeaders();
          for (let i = 0; i < 16 && !stream.closed; i++) stream.sendMessage(chunk);
        }
        return { onData() {}, onEnd() {}, onCancel() {}, onDrain() { drains++; } };
      },
    }, { maxConcurrentStreams: 10, maxMessageBytes: 1 << 20 }, { ...NO_STALL, streamQueueSoftBytes: SOFT, streamQueueHardBytes: HARD });
    const server = net.createServer((socket) => engine.serveConnection(socket, { transport: "tcp", label: "test" }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const p = await RawPeer.connect((server.address() as net.AddressInfo).port);
    try {
      await p.handshake([[S.INITIAL_WINDOW_SIZE, 0]]);
      p.send(requestHeaders(p, 1, "/test.Echo/Polite"));
      await p.nextHeaders(1);
      // 32 KiB + 5 per message: the second one passes the 64 KiB soft limit.
      assert.deepEqual(results, [true, false, false, false]);
      assert.equal(drains, 0);
      p.send(windowUpdate(1, 1 << 20), windowUpdate(0, 1 << 20));
      await p.until(() => drains === 1);

      p.send(requestHeaders(p, 3, "/test.Echo/Ignore"));
      await p.expectStreamError(3, E.INTERNAL_ERROR);
      assert.equal(ignoring?.closed, true, "the stream that ignored backpressure is closed");
      await p.expectAlive();
      assert.ok(!p.frames.some((f) => f.type === T.DATA && f.streamId === 3), "nothing was sent without window");
    } finally {
      p.close();
      server.close();
      await engine.shutdown(100);
    }
  });
});
