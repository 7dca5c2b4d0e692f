/** RFC 9113 section 5: stream states, identifiers, concurrency, priority, error handling; engine as server. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E, F, frame, grpcFrame, data, headers, priority, rst, T, windowUpdate } from "../support/frames.js";
import { echoRequest, expectEchoResponse, requestHeaders, serverHarness } from "../support/server-harness.js";

describe("server 5.1 stream states", () => {
  const h = serverHarness();

  it("idle: DATA is a PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(data(1, Buffer.from("x")));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("idle: RST_STREAM is a PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(rst(1, E.CANCEL));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("idle: WINDOW_UPDATE is a PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(windowUpdate(1, 100));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("idle: CONTINUATION is a PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(frame(T.CONTINUATION, F.END_HEADERS, 1, p.encoder.encode([["x", "y"]])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("half-closed (remote): DATA is a STREAM_CLOSED error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold", F.END_HEADERS | F.END_STREAM), data(1, Buffer.from("late")));
    await p.expectStreamError(1, E.STREAM_CLOSED);
  });

  it("half-closed (remote): HEADERS is a STREAM_CLOSED error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold", F.END_HEADERS | F.END_STREAM),
      headers(1, p.encoder.encode([["x-trailer", "1"]]), F.END_HEADERS | F.END_STREAM));
    await p.expectStreamError(1, E.STREAM_CLOSED);
  });

  it("closed: DATA after the client's RST_STREAM is a STREAM_CLOSED error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), rst(1, E.CANCEL), data(1, Buffer.from("x")));
    await p.expectStreamError(1, E.STREAM_CLOSED);
  });

  it("closed: HEADERS after the client's RST_STREAM is a STREAM_CLOSED error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), rst(1, E.CANCEL), requestHeaders(p, 1));
    await p.expectStreamError(1, E.STREAM_CLOSED);
  });

  it("closed: HEADERS after END_STREAM both ways is a STREAM_CLOSED connection error", async () => {
    const p = await h.peer();
    p.send(echoRequest(p, 1));
    await expectEchoResponse(p, 1);
    p.send(requestHeaders(p, 1));
    await p.expectConnectionError(E.STREAM_CLOSED);
  });

  it("frames the client had in flight for a stream the server reset are ignored", async () => {
    const p = await h.peer();
    // A malformed request is reset by the server; the client's DATA for it must not cause another error.
    p.send(headers(1, p.encoder.encode([[":method", "POST"], [":path", "/x"]])));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
    p.send(data(1, Buffer.from("in flight"), F.END_STREAM));
    p.send(echoRequest(p, 3));
    await expectEchoResponse(p, 3);
    assert.equal(p.frames.filter((f) => f.type === T.RST_STREAM).length, 1);
  });
});

describe("server 5.1.1 stream identifiers", () => {
  const h = serverHarness();

  it("an even stream id from a client is a PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 2));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("a stream id lower than a previous one is a PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    p.send(echoRequest(p, 5));
    await expectEchoResponse(p, 5);
    p.send(requestHeaders(p, 3));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });
});

describe("server 5.1.2 stream concurrency", () => {
  const h = serverHarness(undefined, 3);

  it("streams beyond SETTINGS_MAX_CONCURRENT_STREAMS are refused with REFUSED_STREAM", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), requestHeaders(p, 3, "/test.Echo/Hold"),
      requestHeaders(p, 5, "/test.Echo/Hold"), requestHeaders(p, 7, "/test.Echo/Hold"));
    await p.expectStreamError(7, E.REFUSED_STREAM);
    // A slot frees up when a stream closes.
    p.send(rst(1, E.CANCEL), echoRequest(p, 9));
    await expectEchoResponse(p, 9);
  });

  it("advertises the limit in its SETTINGS", async () => {
    const p = await h.peer();
    const s = p.frames.find((f) => f.type === T.SETTINGS && f.flags === 0);
    assert.ok(s);
    let limit = -1;
    for (let i = 0; i < s.payload.length; i += 6) if (s.payload.readUInt16BE(i) === 3) limit = s.payload.readUInt32BE(i + 2);
    assert.equal(limit, 3);
  });
});

describe("server 5.3 priority", () => {
  const h = serverHarness();

  it("HEADERS depending on its own stream: PROTOCOL_ERROR stream error", async () => {
    const p = await h.peer();
    const block = p.encoder.encode([[":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Echo"]]);
    const prio = Buffer.concat([Buffer.from([0, 0, 0, 1, 16]), block]);
    p.send(headers(1, prio, F.END_HEADERS | F.PRIORITY | F.END_STREAM));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
  });

  it("PRIORITY depending on its own stream: PROTOCOL_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(priority(1, 1));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
  });

  it("PRIORITY frames are otherwise ignored, also on idle streams", async () => {
    const p = await h.peer();
    p.send(priority(9, 0), priority(1, 3));
    p.send(echoRequest(p, 1));
    await expectEchoResponse(p, 1);
  });
});

describe("server 5.4 error handling", () => {
  const h = serverHarness();

  it("closes the connection after a connection error, with GOAWAY carrying the last stream id", async () => {
    const p = await h.peer();
    p.send(echoRequest(p, 1));
    await expectEchoResponse(p, 1);
    p.send(frame(T.PING, 0, 3, Buffer.alloc(8)));
    const g = await p.next((f) => f.type === T.GOAWAY);
    assert.equal(g.payload.readUInt32BE(0), 1);
    assert.equal(g.payload.readUInt32BE(4), E.PROTOCOL_ERROR);
    await p.waitClosed();
  });

  it("a stream error leaves the connection and other streams working", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), windowUpdate(1, 0));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
    p.send(echoRequest(p, 3, "after"));
    await expectEchoResponse(p, 3, "after");
  });

  it("cancels the handler when the connection dies mid-call", async () => {
    const p = await h.peer();
    const before = h.server().stats.cancels;
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), data(1, grpcFrame(Buffer.from("x"))));
    await p.expectAlive();
    p.close();
    for (let i = 0; i < 100 && h.server().stats.cancels === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(h.server().stats.cancels, before + 1);
  });
});
