/** RFC 9113 section 6: each frame type's rules, engine as server. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import {
  E, F, frame, goaway, grpcFrame, data, headers, ping, rst, S, settings, T, u32, windowUpdate,
} from "../support/frames.js";
import { echoRequest, expectEchoResponse, requestHeaders, serverHarness } from "../support/server-harness.js";

describe("server 6.1 DATA", () => {
  const h = serverHarness();

  it("DATA on stream 0: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(data(0, Buffer.from("x")));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("padded DATA is accepted and the padding stripped", async () => {
    const p = await h.peer();
    const msg = grpcFrame(Buffer.from("padded"));
    const payload = Buffer.concat([Buffer.from([10]), msg, Buffer.alloc(10)]);
    p.send(requestHeaders(p, 1), frame(T.DATA, F.PADDED | F.END_STREAM, 1, payload));
    await expectEchoResponse(p, 1, "padded");
  });

  it("DATA with a pad length >= the payload: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1), frame(T.DATA, F.PADDED, 1, Buffer.from([5, 1, 2, 3])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });
});

describe("server 6.2 HEADERS", () => {
  const h = serverHarness();

  it("padded HEADERS are accepted", async () => {
    const p = await h.peer();
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Echo"]]);
    p.send(headers(1, Buffer.concat([Buffer.from([4]), block, Buffer.alloc(4)]), F.END_HEADERS | F.PADDED),
      data(1, grpcFrame(Buffer.from("hi")), F.END_STREAM));
    await expectEchoResponse(p, 1);
  });

  it("HEADERS with priority information are accepted", async () => {
    const p = await h.peer();
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Echo"]]);
    p.send(headers(1, Buffer.concat([Buffer.from([0, 0, 0, 0, 200]), block]), F.END_HEADERS | F.PRIORITY),
      data(1, grpcFrame(Buffer.from("hi")), F.END_STREAM));
    await expectEchoResponse(p, 1);
  });

  it("HEADERS on stream 0: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(0, p.encoder.encode([[":method", "POST"]])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("HEADERS with a pad length beyond the payload: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([50, 0x82]), F.END_HEADERS | F.PADDED));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });
});

describe("server 6.3 PRIORITY", () => {
  const h = serverHarness();

  it("PRIORITY on stream 0: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.PRIORITY, 0, 0, Buffer.from([0, 0, 0, 1, 16])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("PRIORITY of length other than 5: FRAME_SIZE_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(frame(T.PRIORITY, 0, 1, Buffer.from([0, 0, 0, 3])));
    await p.expectStreamError(1, E.FRAME_SIZE_ERROR);
  });
});

describe("server 6.4 RST_STREAM", () => {
  const h = serverHarness();

  it("RST_STREAM on stream 0: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(rst(0, E.CANCEL));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("RST_STREAM of length other than 4: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), frame(T.RST_STREAM, 0, 1, Buffer.from([0, 0, 0, 0, 8])));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });

  it("RST_STREAM cancels the call and the connection goes on", async () => {
    const p = await h.peer();
    const before = h.server().stats.cancels;
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), rst(1, E.CANCEL), echoRequest(p, 3));
    await expectEchoResponse(p, 3);
    assert.equal(h.server().stats.cancels, before + 1);
  });
});

describe("server 6.5 SETTINGS", () => {
  const h = serverHarness();

  it("acknowledges the client's SETTINGS", async () => {
    const p = await h.peer();
    p.send(settings([[S.MAX_FRAME_SIZE, 20000]]));
    await p.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
  });

  it("SETTINGS ACK with a payload: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.SETTINGS, F.ACK, 0, Buffer.alloc(6)));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });

  it("SETTINGS on a stream: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.SETTINGS, 0, 1, Buffer.alloc(6)));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("SETTINGS length not a multiple of 6: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.SETTINGS, 0, 0, Buffer.alloc(5)));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });

  it("SETTINGS_ENABLE_PUSH other than 0 or 1: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(settings([[S.ENABLE_PUSH, 2]]));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("SETTINGS_INITIAL_WINDOW_SIZE above 2^31-1: FLOW_CONTROL_ERROR", async () => {
    const p = await h.peer();
    p.send(settings([[S.INITIAL_WINDOW_SIZE, 2 ** 31]]));
    await p.expectConnectionError(E.FLOW_CONTROL_ERROR);
  });

  it("SETTINGS_MAX_FRAME_SIZE below 16384: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(settings([[S.MAX_FRAME_SIZE, 16383]]));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("SETTINGS_MAX_FRAME_SIZE above 2^24-1: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(settings([[S.MAX_FRAME_SIZE, 2 ** 24]]));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("ignores unknown settings", async () => {
    const p = await h.peer();
    p.send(settings([[0xff, 1234]]));
    await p.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
    await p.expectAlive();
  });

  it("honours SETTINGS_MAX_FRAME_SIZE: responses use frames up to the larger size", async () => {
    const p = await h.peer([[S.MAX_FRAME_SIZE, 65536], [S.INITIAL_WINDOW_SIZE, 1 << 20]]);
    p.send(windowUpdate(0, 1 << 20));
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=100000"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    const d = await p.next((f) => f.type === T.DATA && f.streamId === 1);
    assert.equal(d.payload.length, 65536);
  });

  it("honours SETTINGS_HEADER_TABLE_SIZE 0: the next header block starts with a size update to 0", async () => {
    const p = await h.peer([[S.HEADER_TABLE_SIZE, 0]]);
    p.decoder.setMaxTableSize(0);
    p.send(echoRequest(p, 1));
    await expectEchoResponse(p, 1);
    const first = p.frames.find((f) => f.type === T.HEADERS && f.streamId === 1);
    assert.ok(first);
    assert.equal((first.payload[0] as number) & 0xe0, 0x20, "dynamic table size update first");
  });
});

describe("server 6.7 PING", () => {
  const h = serverHarness();

  it("answers a PING with an ACK carrying the same payload", async () => {
    const p = await h.peer();
    p.send(ping(Buffer.from("h2-ping!")));
    const a = await p.next((f) => f.type === T.PING);
    assert.equal(a.flags, F.ACK);
    assert.equal(a.payload.toString(), "h2-ping!");
  });

  it("does not answer a PING ACK", async () => {
    const p = await h.peer();
    p.send(ping(Buffer.from("ackackac"), true));
    await p.expectAlive();
    assert.equal(p.frames.filter((f) => f.type === T.PING && f.payload.toString() === "ackackac").length, 0);
  });

  it("PING on a stream: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.PING, 0, 1, Buffer.alloc(8)));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("PING of length other than 8: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.PING, 0, 0, Buffer.alloc(6)));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });
});

describe("server 6.8 GOAWAY", () => {
  const h = serverHarness();

  it("GOAWAY on a stream: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.GOAWAY, 0, 1, Buffer.concat([u32(0), u32(0)])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("after the client's GOAWAY, open calls finish and the connection closes", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1), goaway(1, E.NO_ERROR), data(1, grpcFrame(Buffer.from("hi")), F.END_STREAM));
    await expectEchoResponse(p, 1);
    await p.waitClosed();
  });
});

describe("server 6.9 WINDOW_UPDATE and flow control", () => {
  const h = serverHarness({ initialWindowSize: 65535, connectionWindowSize: 65535 * 4 });

  it("WINDOW_UPDATE of 0 on the connection: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(windowUpdate(0, 0));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("WINDOW_UPDATE of 0 on a stream: PROTOCOL_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), windowUpdate(1, 0));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
  });

  it("WINDOW_UPDATE of length other than 4: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.WINDOW_UPDATE, 0, 0, Buffer.alloc(3)));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });

  it("connection window above 2^31-1: FLOW_CONTROL_ERROR", async () => {
    const p = await h.peer();
    p.send(windowUpdate(0, 2 ** 31 - 1));
    await p.expectConnectionError(E.FLOW_CONTROL_ERROR);
  });

  it("stream window above 2^31-1: FLOW_CONTROL_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), windowUpdate(1, 2 ** 31 - 1));
    await p.expectStreamError(1, E.FLOW_CONTROL_ERROR);
  });

  it("never sends past the client's stream window, and resumes on WINDOW_UPDATE", async () => {
    const p = await h.peer([[S.INITIAL_WINDOW_SIZE, 10]]);
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=100"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    const first = await p.next((f) => f.type === T.DATA && f.streamId === 1);
    assert.equal(first.payload.length, 10);
    await p.expectAlive();
    assert.equal(p.frames.filter((f) => f.type === T.DATA).length, 1, "nothing more until the window opens");
    p.send(windowUpdate(1, 1000));
    const second = await p.next((f) => f.type === T.DATA && f.streamId === 1);
    assert.equal(second.payload.length, 95);
    const trailers = await p.next((f) => f.type === T.HEADERS && f.streamId === 1);
    assert.equal(trailers.flags & F.END_STREAM, F.END_STREAM);
  });

  it("never sends past the connection window", async () => {
    const p = await h.peer();
    // Connection window is 65535 by default; ask for two 40000-byte responses.
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=40000"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM),
      requestHeaders(p, 3, "/test.Echo/Big?n=40000"), data(3, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    await p.next((f) => f.type === T.HEADERS && f.streamId === 3);
    await p.expectAlive();
    const sent = p.frames.filter((f) => f.type === T.DATA).reduce((n, f) => n + f.payload.length, 0);
    assert.equal(sent, 65535);
    p.send(windowUpdate(0, 100000));
    await p.until((fs) => [1, 3].every((sid) =>
      fs.some((f) => f.type === T.HEADERS && f.streamId === sid && (f.flags & F.END_STREAM) !== 0)));
    const total = p.frames.filter((f) => f.type === T.DATA).reduce((n, f) => n + f.payload.length, 0);
    assert.equal(total, 2 * 40005);
  });

  it("6.9.2: a new SETTINGS_INITIAL_WINDOW_SIZE applies to open streams retroactively", async () => {
    const p = await h.peer([[S.INITIAL_WINDOW_SIZE, 0]]);
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=100"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    await p.next((f) => f.type === T.HEADERS && f.streamId === 1);
    await p.expectAlive();
    assert.equal(p.frames.filter((f) => f.type === T.DATA).length, 0);
    p.send(settings([[S.INITIAL_WINDOW_SIZE, 30]]));
    const d = await p.next((f) => f.type === T.DATA && f.streamId === 1);
    assert.equal(d.payload.length, 30);
  });

  it("6.9.2: SETTINGS_INITIAL_WINDOW_SIZE overflowing a stream window: FLOW_CONTROL_ERROR", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), windowUpdate(1, 2 ** 31 - 1 - 65535));
    await p.expectAlive();
    p.send(settings([[S.INITIAL_WINDOW_SIZE, 65536]]));
    await p.expectConnectionError(E.FLOW_CONTROL_ERROR);
  });

  it("replenishes its receive windows as data is consumed (1 MiB through a 64 KiB window)", async () => {
    const p = await h.peer();
    const msg = grpcFrame(Buffer.alloc(1024 * 1024 - 5, 1));
    p.send(requestHeaders(p, 1, "/test.Echo/Sink"));
    let sent = 0;
    let streamCredit = 65535;
    let connCredit = 65535; // the server's initial WINDOW_UPDATE on stream 0 raises it
    while (sent < msg.length) {
      while (streamCredit === 0 || connCredit === 0) {
        const w = await p.next((f) => f.type === T.WINDOW_UPDATE);
        const inc = w.payload.readUInt32BE(0);
        if (w.streamId === 0) connCredit += inc;
        else streamCredit += inc;
      }
      const n = Math.min(16384, msg.length - sent, streamCredit, connCredit);
      p.send(data(1, msg.subarray(sent, sent + n), sent + n === msg.length ? F.END_STREAM : 0));
      sent += n;
      streamCredit -= n;
      connCredit -= n;
    }
    await p.next((f) => f.type === T.HEADERS && f.streamId === 1 && (f.flags & F.END_STREAM) !== 0, 5000);
    const body = p.frames.find((f) => f.type === T.DATA && f.streamId === 1);
    assert.equal(body?.payload.subarray(5).toString(), String(msg.length));
  });
});

describe("server 6.9.1 receive flow control", () => {
  const h = serverHarness({ initialWindowSize: 1000 });

  it("a client sending past the stream window: FLOW_CONTROL_ERROR", async () => {
    const p = await h.peer();
    const s = p.frames.find((f) => f.type === T.SETTINGS && f.flags === 0);
    assert.ok(s?.payload.includes(Buffer.from([0, 4, 0, 0, 0x03, 0xe8])), "advertises INITIAL_WINDOW_SIZE 1000");
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), data(1, Buffer.alloc(1001)));
    await p.expectStreamError(1, E.FLOW_CONTROL_ERROR);
  });
});

describe("server 6.10 CONTINUATION", () => {
  const h = serverHarness({ maxHeaderListSize: 64 * 1024 });

  it("accepts a header block split over HEADERS and several CONTINUATION frames", async () => {
    const p = await h.peer();
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Echo"],
      ["x-pad", "p".repeat(300)]]);
    const a = block.subarray(0, 10);
    const b = block.subarray(10, 20);
    const c = block.subarray(20);
    p.send(headers(1, a, 0), frame(T.CONTINUATION, 0, 1, b), frame(T.CONTINUATION, F.END_HEADERS, 1, c),
      data(1, grpcFrame(Buffer.from("hi")), F.END_STREAM));
    await expectEchoResponse(p, 1);
  });

  it("CONTINUATION after END_HEADERS: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), frame(T.CONTINUATION, F.END_HEADERS, 1, p.encoder.encode([["x", "y"]])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("CONTINUATION on another stream: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/x"]]);
    p.send(headers(1, block.subarray(0, 3), 0), frame(T.CONTINUATION, F.END_HEADERS, 3, block.subarray(3)));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("a DATA frame inside a header block: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/x"]]);
    p.send(headers(1, block.subarray(0, 3), 0), data(1, Buffer.from("x")));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("accepts large request header blocks and sends large response blocks as HEADERS + CONTINUATION", async () => {
    const p = await h.peer();
    const big = "v".repeat(12000);
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Metadata"],
      ["x-a", big], ["x-b", big]]);
    assert.ok(block.length > 16384);
    p.send(headers(1, block.subarray(0, 10000), 0), frame(T.CONTINUATION, 0, 1, block.subarray(10000, 20000)),
      frame(T.CONTINUATION, F.END_HEADERS, 1, block.subarray(20000)), data(1, grpcFrame(Buffer.from("m")), F.END_STREAM));
    const hb = await p.nextHeaders(1);
    assert.equal(hb.fields.find(([n]) => n === "x-a")?.[1], big);
    assert.equal(hb.fields.find(([n]) => n === "x-b")?.[1], big);
    assert.ok(p.frames.some((f) => f.type === T.CONTINUATION && f.streamId === 1));
  });
});
