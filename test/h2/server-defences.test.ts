/** Each defence of the server engine, attacked: floods, bombs, stalls, slow readers, buffering limits. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E, F, frame, grpcFrame, data, headers, intBytes, ping, rst, S, settings, T, windowUpdate } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";
import { expectEchoResponse, echoRequest, requestHeaders, serverHarness } from "./support/server-harness.js";

describe("defence: rapid reset (CVE-2023-44487)", () => {
  const h = serverHarness({ resetBurst: 100, resetsPerSecond: 10 });

  it("a client opening and resetting streams in a loop gets GOAWAY ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    const burst = [];
    for (let i = 0; i < 300; i++) burst.push(requestHeaders(p, 1 + 2 * i, "/test.Echo/Hold"), rst(1 + 2 * i, E.CANCEL));
    p.send(Buffer.concat(burst));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
    await p.waitClosed();
    assert.ok(h.server().stats.streams < 150, `dispatched ${h.server().stats.streams} streams`);
  });

  it("resets within the budget are fine", async () => {
    const p = await h.peer();
    for (let i = 0; i < 50; i++) p.send(requestHeaders(p, 1 + 2 * i, "/test.Echo/Hold"), rst(1 + 2 * i, E.CANCEL));
    p.send(echoRequest(p, 101));
    await expectEchoResponse(p, 101);
  });
});

describe("defence: CONTINUATION flood and HPACK bombs", () => {
  const h = serverHarness({ maxHeaderBlockBytes: 64 * 1024, idleFrameBurst: 1000 });

  it("an endless header block (CONTINUATION flood) is cut off at the byte cap: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    const junk = Buffer.alloc(16000, 0x41);
    p.send(headers(1, p.encoder.encode([[":method", "POST"]]), 0));
    for (let i = 0; i < 10 && !p.closed; i++) p.send(frame(T.CONTINUATION, 0, 1, junk));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
  });

  it("a flood of empty CONTINUATION frames: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    const empties = Buffer.concat(Array.from({ length: 3000 }, () => frame(T.CONTINUATION, 0, 1)));
    p.send(headers(1, p.encoder.encode([[":method", "POST"]]), 0), empties);
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
  });

  it("an HPACK bomb (one big table entry referenced thousands of times) is stopped, memory stays bounded", async () => {
    const p = await h.peer();
    const before = process.memoryUsage().heapUsed;
    // Literal with incremental indexing: "x-bomb" = 4000 bytes, inserted into the dynamic table (index 62).
    const value = "b".repeat(4000);
    const insert = Buffer.concat([Buffer.from([0x40]), intBytes(6, 7, 0), Buffer.from("x-bomb"), intBytes(value.length, 7, 0),
      Buffer.from(value)]);
    const refs = Buffer.alloc(12000, 0x80 | 62); // 12000 references: ~48 MB if decoded
    const block = Buffer.concat([p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/x"]]), insert, refs]);
    p.send(headers(1, block.subarray(0, 16000), F.END_STREAM), frame(T.CONTINUATION, F.END_HEADERS, 1, block.subarray(16000)));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
    const grown = process.memoryUsage().heapUsed - before;
    assert.ok(grown < 16 * 1024 * 1024, `heap grew by ${grown} bytes`);
  });

  it("a dynamic table size update above our SETTINGS_HEADER_TABLE_SIZE: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.concat([Buffer.from([0x3f]), Buffer.from([0xe1, 0xff, 0x03])]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });
});

describe("defence: SETTINGS, PING and empty-frame floods", () => {
  const h = serverHarness({ controlBurst: 500, controlPerSecond: 50, idleFrameBurst: 500, idleFramesPerSecond: 50 });

  it("a SETTINGS flood: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    const start = performance.now();
    p.send(Buffer.concat(Array.from({ length: 2000 }, () => settings([[S.MAX_CONCURRENT_STREAMS, 10]]))));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
    // The burst (500), the handshake's SETTINGS, and what the 50/s rate refilled while a busy machine parsed them.
    const refill = Math.ceil(((performance.now() - start) * 50) / 1000);
    const acks = p.frames.filter((f) => f.type === T.SETTINGS && f.flags === F.ACK).length;
    assert.ok(acks <= 502 + refill, `${acks} SETTINGS acks`);
  });

  it("a PING flood: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    const start = performance.now();
    p.send(Buffer.concat(Array.from({ length: 2000 }, () => ping())));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
    const refill = Math.ceil(((performance.now() - start) * 50) / 1000);
    const pings = p.frames.filter((f) => f.type === T.PING).length;
    assert.ok(pings <= 501 + refill, `${pings} PING acks`);
  });

  it("a flood of empty DATA frames: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), Buffer.concat(Array.from({ length: 2000 }, () => data(1, Buffer.alloc(0)))));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
  });

  it("a flood of PRIORITY frames: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    p.send(Buffer.concat(Array.from({ length: 2000 }, (_, i) => frame(T.PRIORITY, 0, 1 + 2 * i, Buffer.from([0, 0, 0, 0, 1])))));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
  });

  it("a flood of unknown frame types: ENHANCE_YOUR_CALM", async () => {
    const p = await h.peer();
    p.send(Buffer.concat(Array.from({ length: 2000 }, () => frame(0x42, 0, 0, Buffer.from("x")))));
    await p.expectConnectionError(E.ENHANCE_YOUR_CALM);
  });
});

describe("defence: stalls, slow readers, idle connections", () => {
  const h = serverHarness({ stallTimeoutMs: 300, outputHighWaterBytes: 64 * 1024, prefaceTimeoutMs: 300 });

  it("a peer that never opens its connection window is disconnected after the stall timeout", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=100000"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    await p.waitClosed(3000);
    const sent = p.frames.filter((f) => f.type === T.DATA).reduce((n, f) => n + f.payload.length, 0);
    assert.equal(sent, 65535, "sent exactly the window, then stopped");
    assert.ok(h.server().errors.some((e) => /peer stopped reading/.test(e.message)));
  });

  it("a connection that never sends its preface is closed", async () => {
    const p = await RawPeer.connect(h.server().port);
    await p.waitClosed(3000);
  });

  it("a client that only stalls one stream's window keeps the connection", async () => {
    const p = await h.peer([[S.INITIAL_WINDOW_SIZE, 0]]);
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=1000"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    await new Promise((r) => setTimeout(r, 700));
    p.send(echoRequest(p, 3));
    await p.expectAlive();
    assert.equal(p.closed, false);
  });
});

describe("defence: no whole-body buffering", () => {
  const h = serverHarness();

  it("hands DATA to the handler as it arrives, before END_STREAM", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Stream"), data(1, grpcFrame(Buffer.from("first"))));
    const echoed = await p.next((f) => f.type === T.DATA && f.streamId === 1);
    assert.deepEqual(echoed.payload, grpcFrame(Buffer.from("first")));
    p.send(data(1, Buffer.alloc(0), F.END_STREAM));
    await p.next((f) => f.type === T.HEADERS && f.streamId === 1 && (f.flags & F.END_STREAM) !== 0);
  });
});
