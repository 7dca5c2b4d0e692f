/**
 * Backpressure through the engine seam on the fastgrpc engine: a paused stream gets no more DATA and grants the
 * peer no more window until it resumes (then everything held arrives in order, before the end of the stream), and
 * a client stream whose send queue is full says so and reports onDrain once it has room.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { createH2ServerEngine } from "../../src/engine/h2/index.js";
import type { ServerStream } from "../../src/engine/types.js";
import { clientPair } from "./support/client-harness.js";
import { E, F, data, frame, grpcFrame, headers, rst, S, T, windowUpdate } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";
import { requestHeaders } from "./support/server-harness.js";

const WINDOW = 32 * 1024;
const OK_HEADERS: Array<[string, string]> = [[":status", "200"], ["content-type", "application/grpc"]];

describe("server stream pauseInput/resumeInput", () => {
  it("holds DATA and withholds the stream's WINDOW_UPDATE while paused, then delivers it all before the end", async () => {
    const events: string[] = [];
    const received: Buffer[] = [];
    let stream: ServerStream | undefined;
    const engine = createH2ServerEngine({
      onStream(s) {
        stream = s;
        s.pauseInput?.();
        return {
          onData: (chunk) => { received.push(Buffer.from(chunk)); events.push("data"); },
          onEnd: () => events.push("end"),
          onCancel: () => events.push("cancel"),
        };
      },
    }, { maxConcurrentStreams: 10, maxMessageBytes: 1 << 20 }, { initialWindowSize: WINDOW });
    const server = net.createServer((socket) => engine.serveConnection(socket, { transport: "tcp", label: "test" }));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const peer = await RawPeer.connect((server.address() as net.AddressInfo).port);
    try {
      await peer.handshake();
      const payload = Buffer.alloc(24 * 1024, 7); // more than half the window: normally acknowledged at once
      peer.send(requestHeaders(peer, 1), data(1, payload.subarray(0, 8192)), data(1, payload.subarray(8192, 16384)),
        data(1, payload.subarray(16384)));
      await sleep(150);
      assert.deepEqual(events, [], "nothing is delivered while paused");
      assert.ok(!peer.frames.some((f) => f.type === T.WINDOW_UPDATE && f.streamId === 1), "no stream window granted while paused");

      stream?.resumeInput?.();
      const update = await peer.next((f) => f.type === T.WINDOW_UPDATE && f.streamId === 1);
      assert.equal(update.payload.readUInt32BE(0), payload.length, "the window is granted for what was delivered");
      assert.ok(Buffer.concat(received).equals(payload), "held DATA arrives whole and in order");

      stream?.pauseInput?.();
      peer.send(data(1, Buffer.from("tail")), data(1, Buffer.alloc(0), F.END_STREAM));
      await sleep(100);
      assert.equal(events.filter((e) => e === "end").length, 0, "the end waits behind held DATA");
      stream?.resumeInput?.();
      await sleep(20);
      assert.equal(events.at(-2), "data");
      assert.equal(events.at(-1), "end");
      assert.equal(Buffer.concat(received).subarray(payload.length).toString(), "tail");
    } finally {
      peer.close();
      server.close();
      await engine.shutdown(50);
    }
  });
});

describe("client stream pauseInput/resumeInput", () => {
  it("holds DATA, trailers and a trailing RST_STREAM(NO_ERROR) until resumed, then reports them in order", async () => {
    const c = await clientPair();
    const events: string[] = [];
    let closeCode: number | null | undefined;
    const stream = c.session.request("/a/b", {}, {
      onHeaders: () => events.push("headers"),
      onData: (chunk) => events.push(`data:${Buffer.from(chunk).toString()}`),
      onTrailers: (t) => events.push(`trailers:${String(t["grpc-status"])}`),
      onClose: (code) => { closeCode = code; events.push("close"); },
    });
    stream.sendMessage(grpcFrame(Buffer.from("x")), false);
    stream.pauseInput?.();
    await c.server.nextHeaders(1);
    c.server.send(
      headers(1, c.server.encoder.encode(OK_HEADERS)),
      data(1, Buffer.from("one")), data(1, Buffer.from("two")),
      headers(1, c.server.encoder.encode([["grpc-status", "0"]]), F.END_HEADERS | F.END_STREAM),
      rst(1, E.NO_ERROR),
    );
    await sleep(150);
    assert.deepEqual(events, ["headers"], "headers are not data: only they arrive while paused");
    stream.resumeInput?.();
    await sleep(20);
    assert.deepEqual(events, ["headers", "data:one", "data:two", "trailers:0", "close"]);
    assert.equal(closeCode, null, "a complete response, not a reset");
    c.dispose();
  });

  it("cancel() while a response is held ends the call with CANCEL and sends only RST_STREAM", async () => {
    const c = await clientPair();
    let closeCode: number | null | undefined;
    const closed = new Promise<void>((resolve) => {
      const stream = c.session.request("/a/b", {}, {
        onHeaders() {}, onData() {}, onTrailers() {},
        onClose: (code) => { closeCode = code; resolve(); },
      });
      stream.sendMessage(grpcFrame(Buffer.from("x")), false);
      stream.pauseInput?.();
      void c.server.nextHeaders(1).then(async () => {
        c.server.send(headers(1, c.server.encoder.encode(OK_HEADERS)), data(1, Buffer.from("held")));
        await sleep(50);
        stream.cancel();
      });
    });
    await closed;
    assert.equal(closeCode, E.CANCEL);
    const reset = await c.server.next((f) => f.type === T.RST_STREAM && f.streamId === 1);
    assert.equal(reset.payload.readUInt32BE(0), E.CANCEL);
    assert.ok(!c.server.frames.some((f) => f.streamId === 1 && f.type === T.DATA && (f.flags & F.END_STREAM) !== 0),
      "no END_STREAM before the RST_STREAM");
    c.dispose();
  });
});

describe("client stream sendMessage backpressure", () => {
  it("returns false once the window is spent and the queue is full, and calls onDrain when the peer opens it", async () => {
    const c = await clientPair([[S.INITIAL_WINDOW_SIZE, 0]]);
    let drains = 0;
    const stream = c.session.request("/a/b", {}, {
      onHeaders() {}, onData() {}, onTrailers() {}, onClose() {},
      onDrain: () => { drains++; },
    });
    assert.equal(stream.sendMessage(grpcFrame(Buffer.alloc(1000)), false), true, "a small queue is accepted");
    assert.equal(stream.sendMessage(grpcFrame(Buffer.alloc(100 * 1024)), false), false, "a full queue says wait");
    await c.server.nextHeaders(1);
    await sleep(50);
    assert.equal(drains, 0);
    c.server.send(windowUpdate(0, 1 << 20), windowUpdate(1, 1 << 20));
    await c.server.until((frames) => frames.filter((f) => f.type === T.DATA && f.streamId === 1)
      .reduce((n, f) => n + f.payload.length, 0) >= 1005 + 100 * 1024 + 5);
    assert.equal(drains, 1, "onDrain once the queue emptied");
    c.dispose();
  });

  it("a call waiting for a concurrency slot also says wait, and drains when it opens", async () => {
    const c = await clientPair([[S.MAX_CONCURRENT_STREAMS, 1]]);
    const noop = { onHeaders() {}, onData() {}, onTrailers() {}, onClose() {} };
    const first = c.session.request("/a/b", {}, noop);
    first.sendMessage(grpcFrame(Buffer.from("x")), false);
    let drains = 0;
    const second = c.session.request("/a/b", {}, { ...noop, onDrain: () => { drains++; } });
    assert.equal(second.sendMessage(grpcFrame(Buffer.alloc(100 * 1024)), false), false);
    await c.server.nextHeaders(1);
    c.server.send(frame(T.RST_STREAM, 0, 1, Buffer.from([0, 0, 0, E.CANCEL])));
    await c.server.nextHeaders(3);
    await c.server.until(() => drains === 1);
    c.dispose();
  });
});
