/** The engine as a client against a raw-frame fake server: RFC 9113 behaviour a gRPC client needs. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E, F, frame, goaway, grpcFrame, data, headers, literalBlock, ping, rst, S, settings, T, windowUpdate } from "../support/frames.js";
import { clientPair } from "../support/client-harness.js";
import { startCall } from "../support/client-call.js";

const OK_HEADERS: Array<[string, string]> = [[":status", "200"], ["content-type", "application/grpc"]];

describe("client 3.5 preface and 6.5 SETTINGS", () => {
  it("sends the preface and SETTINGS with ENABLE_PUSH 0 first, and acks the server's SETTINGS", async () => {
    const c = await clientPair(null);
    const first = await c.server.next();
    assert.equal(first.type, T.SETTINGS);
    let push = -1;
    for (let i = 0; i < first.payload.length; i += 6) if (first.payload.readUInt16BE(i) === S.ENABLE_PUSH) push = first.payload.readUInt32BE(i + 2);
    assert.equal(push, 0);
    c.server.send(settings([[S.MAX_CONCURRENT_STREAMS, 7]]));
    await c.server.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
    assert.equal(c.session.maxConcurrentStreams, 7);
    c.dispose();
  });

  it("reports Infinity as maxConcurrentStreams until the server says otherwise", async () => {
    const c = await clientPair([]);
    assert.equal(c.session.maxConcurrentStreams, Infinity);
    c.dispose();
  });

  it("a server's SETTINGS_ENABLE_PUSH 1: PROTOCOL_ERROR", async () => {
    const c = await clientPair(null);
    c.server.send(settings([[S.ENABLE_PUSH, 1]]));
    await c.server.expectConnectionError(E.PROTOCOL_ERROR);
    assert.ok(await c.closed);
    c.dispose();
  });

  it("a first frame other than SETTINGS: PROTOCOL_ERROR", async () => {
    const c = await clientPair(null);
    c.server.send(ping());
    await c.server.expectConnectionError(E.PROTOCOL_ERROR);
    c.dispose();
  });
});

describe("client 8.1 request and response", () => {
  it("sends :method, :scheme, :path, :authority, content-type, te and metadata, then the message with END_STREAM", async () => {
    const c = await clientPair();
    const msg = grpcFrame(Buffer.from("req"));
    startCall(c.session, "/pkg.Svc/Do", [msg], { "grpc-timeout": "1S", "x-user": "u" });
    const hb = await c.server.nextHeaders(1);
    assert.deepEqual(hb.fields.slice(0, 6), [[":method", "POST"], [":scheme", "http"], [":path", "/pkg.Svc/Do"],
      [":authority", (hb.fields[3] as [string, string])[1]], ["content-type", "application/grpc"], ["te", "trailers"]]);
    assert.ok(hb.fields.some(([n, v]) => n === "grpc-timeout" && v === "1S"));
    assert.ok(hb.fields.some(([n, v]) => n === "x-user" && v === "u"));
    const d = await c.server.next((f) => f.type === T.DATA);
    assert.deepEqual(d.payload, msg);
    assert.equal(d.flags & F.END_STREAM, F.END_STREAM);
    c.dispose();
  });

  it("reports headers, data, trailers and a normal close in order", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, c.server.encoder.encode([...OK_HEADERS, ["x-h", "1"]])), data(1, grpcFrame(Buffer.from("resp"))),
      headers(1, c.server.encoder.encode([["grpc-status", "0"], ["x-t", "2"]]), F.END_HEADERS | F.END_STREAM));
    const r = await done;
    assert.equal(r.status, 200);
    assert.equal(r.headers?.["x-h"], "1");
    assert.deepEqual(r.body, grpcFrame(Buffer.from("resp")));
    assert.equal(r.trailers?.["grpc-status"], "0");
    assert.equal(r.trailers?.["x-t"], "2");
    assert.equal(r.resetCode, null);
    assert.equal(r.error, undefined);
    assert.equal(c.session.activeStreams, 0);
    c.dispose();
  });

  it("reports a trailers-only response", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, c.server.encoder.encode([...OK_HEADERS, ["grpc-status", "12"]]), F.END_HEADERS | F.END_STREAM));
    const r = await done;
    assert.equal(r.trailersOnly, true);
    assert.equal(r.headers?.["grpc-status"], "12");
    c.dispose();
  });

  it("skips 1xx informational responses", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, c.server.encoder.encode([[":status", "100"]])),
      headers(1, c.server.encoder.encode([...OK_HEADERS, ["grpc-status", "0"]]), F.END_HEADERS | F.END_STREAM));
    const r = await done;
    assert.equal(r.status, 200);
    c.dispose();
  });

  const malformed: Array<[string, Array<[string, string]>]> = [
    ["missing :status", [["content-type", "application/grpc"]]],
    ["a request pseudo-header", [[":status", "200"], [":path", "/x"]]],
    ["an upper-case name", [[":status", "200"], ["Content-Type", "application/grpc"]]],
    ["a connection-specific field", [[":status", "200"], ["connection", "close"]]],
  ];
  for (const [what, fields] of malformed) {
    it(`a response with ${what}: RST_STREAM PROTOCOL_ERROR and onClose(PROTOCOL_ERROR)`, async () => {
      const c = await clientPair();
      const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
      await c.server.nextHeaders(1);
      c.server.send(headers(1, literalBlock(fields)));
      await c.server.expectStreamError(1, E.PROTOCOL_ERROR);
      const r = await done;
      assert.equal(r.resetCode, E.PROTOCOL_ERROR);
      assert.ok(r.error);
      c.dispose();
    });
  }

  it("DATA before the response headers: PROTOCOL_ERROR stream error", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(data(1, Buffer.from("early")));
    await c.server.expectStreamError(1, E.PROTOCOL_ERROR);
    assert.equal((await done).resetCode, E.PROTOCOL_ERROR);
    c.dispose();
  });

  it("trailers without END_STREAM: PROTOCOL_ERROR stream error", async () => {
    const c = await clientPair();
    startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, c.server.encoder.encode(OK_HEADERS)), headers(1, c.server.encoder.encode([["grpc-status", "0"]])));
    await c.server.expectStreamError(1, E.PROTOCOL_ERROR);
    c.dispose();
  });
});

describe("client 5.1 streams and 6.4 RST_STREAM", () => {
  it("uses odd, increasing stream ids", async () => {
    const c = await clientPair();
    for (let i = 0; i < 3; i++) startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    const ids = [(await c.server.nextHeaders()).streamId, (await c.server.nextHeaders()).streamId, (await c.server.nextHeaders()).streamId];
    assert.deepEqual(ids, [1, 3, 5]);
    c.dispose();
  });

  it("reports the server's RST_STREAM code", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(rst(1, E.REFUSED_STREAM));
    const r = await done;
    assert.equal(r.resetCode, E.REFUSED_STREAM);
    assert.equal(r.error, undefined);
    c.dispose();
  });

  it("cancel() sends RST_STREAM CANCEL and reports onClose(CANCEL)", async () => {
    const c = await clientPair();
    const { stream, done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))], {}, false);
    await c.server.nextHeaders(1);
    stream.cancel();
    const f = await c.server.next((x) => x.type === T.RST_STREAM);
    assert.equal(f.payload.readUInt32BE(0), E.CANCEL);
    assert.equal((await done).resetCode, E.CANCEL);
    c.dispose();
  });

  it("HEADERS on an even (server-initiated) stream: PROTOCOL_ERROR", async () => {
    const c = await clientPair();
    c.server.send(headers(2, c.server.encoder.encode(OK_HEADERS)));
    await c.server.expectConnectionError(E.PROTOCOL_ERROR);
    c.dispose();
  });

  it("PUSH_PROMISE: PROTOCOL_ERROR (push is disabled)", async () => {
    const c = await clientPair();
    startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(frame(T.PUSH_PROMISE, F.END_HEADERS, 1, Buffer.concat([Buffer.from([0, 0, 0, 2]), c.server.encoder.encode([[":method", "GET"]])])));
    await c.server.expectConnectionError(E.PROTOCOL_ERROR);
    c.dispose();
  });

  it("respects the server's MAX_CONCURRENT_STREAMS: extra calls wait for a free slot", async () => {
    const c = await clientPair([[S.MAX_CONCURRENT_STREAMS, 2]]);
    await c.server.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
    const calls = Array.from({ length: 4 }, () => startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]).done);
    await c.server.nextHeaders(1);
    await c.server.nextHeaders(3);
    await c.server.expectAlive();
    assert.equal(c.server.frames.filter((f) => f.type === T.HEADERS).length, 2);
    assert.equal(c.session.activeStreams, 4);
    for (const sid of [1, 3, 5, 7]) {
      if (sid >= 5) await c.server.nextHeaders(sid);
      c.server.send(headers(sid, c.server.encoder.encode([...OK_HEADERS, ["grpc-status", "0"]]), F.END_HEADERS | F.END_STREAM));
    }
    const results = await Promise.all(calls);
    assert.ok(results.every((r) => r.status === 200));
    c.dispose();
  });
});

describe("client 6.7 PING, 6.8 GOAWAY, 4.3 HPACK", () => {
  it("answers PING", async () => {
    const c = await clientPair();
    await c.server.expectAlive();
    c.dispose();
  });

  it("GOAWAY: streams above last-stream-id get REFUSED_STREAM, the rest complete, no new calls", async () => {
    const c = await clientPair();
    const a = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]).done;
    const b = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]).done;
    await c.server.nextHeaders(3);
    c.server.send(goaway(1, E.NO_ERROR));
    const rb = await b;
    assert.equal(rb.resetCode, E.REFUSED_STREAM);
    assert.equal(c.session.usable, false);
    assert.equal(c.goaways.length, 1);
    const late = await startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]).done;
    assert.equal(late.resetCode, E.REFUSED_STREAM);
    c.server.send(headers(1, c.server.encoder.encode([...OK_HEADERS, ["grpc-status", "0"]]), F.END_HEADERS | F.END_STREAM));
    assert.equal((await a).status, 200);
    assert.equal(await c.closed, undefined);
    c.dispose();
  });

  it("an undecodable header block: COMPRESSION_ERROR, open calls closed with an error", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f])));
    await c.server.expectConnectionError(E.COMPRESSION_ERROR);
    const r = await done;
    assert.ok(r.error);
    c.dispose();
  });

  it("the connection dropping closes every call with an error and the session", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.close();
    const r = await done;
    assert.ok(r.error);
    await c.closed;
    assert.equal(c.session.usable, false);
    c.dispose();
  });

  it("honours the server's HEADER_TABLE_SIZE 0: the next block starts with a size update", async () => {
    const c = await clientPair([[S.HEADER_TABLE_SIZE, 0]]);
    await c.server.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
    c.server.decoder.setMaxTableSize(0);
    startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    const h = await c.server.next((f) => f.type === T.HEADERS);
    assert.equal((h.payload[0] as number) & 0xe0, 0x20);
    c.dispose();
  });
});

describe("client 6.9 flow control", () => {
  it("never sends past the server's stream window and resumes on WINDOW_UPDATE", async () => {
    const c = await clientPair([[S.INITIAL_WINDOW_SIZE, 10]]);
    await c.server.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
    const msg = grpcFrame(Buffer.alloc(95, 3));
    startCall(c.session, "/a/b", [msg]);
    const d1 = await c.server.next((f) => f.type === T.DATA);
    assert.equal(d1.payload.length, 10);
    await c.server.expectAlive();
    assert.equal(c.server.frames.filter((f) => f.type === T.DATA).length, 1);
    c.server.send(windowUpdate(1, 1000));
    const d2 = await c.server.next((f) => f.type === T.DATA);
    assert.equal(d2.payload.length, 90);
    assert.equal(d2.flags & F.END_STREAM, F.END_STREAM);
    c.dispose();
  });

  it("splits DATA at the server's MAX_FRAME_SIZE", async () => {
    const c = await clientPair([[S.INITIAL_WINDOW_SIZE, 1 << 20]]);
    await c.server.next((f) => f.type === T.SETTINGS && f.flags === F.ACK);
    c.server.send(windowUpdate(0, 1 << 20));
    startCall(c.session, "/a/b", [grpcFrame(Buffer.alloc(40000))]);
    const sizes: number[] = [];
    for (;;) {
      const d = await c.server.next((f) => f.type === T.DATA);
      sizes.push(d.payload.length);
      if (d.flags & F.END_STREAM) break;
    }
    assert.deepEqual(sizes, [16384, 16384, 40005 - 32768]);
    c.dispose();
  });

  it("sends WINDOW_UPDATE as response data is consumed", async () => {
    const c = await clientPair([], { initialWindowSize: 65535, connectionWindowSize: 65535 });
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, c.server.encoder.encode(OK_HEADERS)));
    let credit = 65535;
    let sent = 0;
    const total = 300000;
    while (sent < total) {
      while (credit === 0) {
        const w = await c.server.next((f) => f.type === T.WINDOW_UPDATE && f.streamId === 1);
        credit += w.payload.readUInt32BE(0);
      }
      const n = Math.min(16384, credit, total - sent);
      c.server.send(data(1, Buffer.alloc(n)));
      credit -= n;
      sent += n;
    }
    c.server.send(headers(1, c.server.encoder.encode([["grpc-status", "0"]]), F.END_HEADERS | F.END_STREAM));
    const r = await done;
    assert.equal(r.body.length, total);
    c.dispose();
  });

  it("a server sending past the client's window: FLOW_CONTROL_ERROR", async () => {
    const c = await clientPair([], { initialWindowSize: 1000 });
    startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))]);
    await c.server.nextHeaders(1);
    c.server.send(headers(1, c.server.encoder.encode(OK_HEADERS)), data(1, Buffer.alloc(1001)));
    await c.server.expectStreamError(1, E.FLOW_CONTROL_ERROR);
    c.dispose();
  });
});
