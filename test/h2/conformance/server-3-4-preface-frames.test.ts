/** RFC 9113 section 3.5 (preface) and 4 (frame format, frame size, header compression), engine as server. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E, F, frame, grpcFrame, headers, literalBlock, PREFACE, requestFields, S, settings, T, u32, data, windowUpdate } from "../support/frames.js";
import { RawPeer } from "../support/raw-peer.js";
import { echoRequest, expectEchoResponse, requestHeaders, serverHarness } from "../support/server-harness.js";

describe("server 3.5 connection preface", () => {
  const h = serverHarness();

  it("sends SETTINGS as its first frame", async () => {
    const p = await RawPeer.connect(h.server().port);
    p.send(PREFACE, settings());
    const first = await p.next();
    assert.equal(first.type, T.SETTINGS);
    assert.equal(first.flags & F.ACK, 0);
    p.close();
  });

  it("rejects an invalid connection preface", async () => {
    const p = await RawPeer.connect(h.server().port);
    p.send(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
    await p.waitClosed();
  });

  it("rejects a first frame other than SETTINGS", async () => {
    const p = await RawPeer.connect(h.server().port);
    p.send(PREFACE, frame(T.PING, 0, 0, Buffer.alloc(8)));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("accepts the preface split across many writes", async () => {
    const p = await RawPeer.connect(h.server().port);
    const all = Buffer.concat([PREFACE, settings()]);
    for (const byte of all) {
      p.send(Buffer.from([byte]));
      await new Promise((r) => setImmediate(r));
    }
    await p.next((f) => f.type === T.SETTINGS && (f.flags & F.ACK) !== 0);
    p.close();
  });
});

describe("server 4.1 frame format", () => {
  const h = serverHarness();

  it("ignores frames of unknown type", async () => {
    const p = await h.peer();
    p.send(frame(0xfe, 0, 0, Buffer.from("whatever")));
    await p.expectAlive();
  });

  it("ignores undefined flags", async () => {
    const p = await h.peer();
    p.send(frame(T.PING, 0xfe, 0, Buffer.from("12345678")));
    const ack = await p.next((f) => f.type === T.PING);
    assert.equal(ack.flags, F.ACK);
    assert.equal(ack.payload.toString(), "12345678");
  });

  it("ignores the reserved bit of the stream identifier", async () => {
    const p = await h.peer();
    const f = frame(T.PING, 0, 0, Buffer.from("reserved"));
    f[5] = (f[5] as number) | 0x80;
    p.send(f);
    const ack = await p.next((x) => x.type === T.PING);
    assert.equal(ack.payload.toString(), "reserved");
  });

  it("parses frames split at every byte boundary", async () => {
    const p = await h.peer();
    const req = echoRequest(p, 1, "split");
    for (let i = 0; i < req.length; i++) {
      p.send(req.subarray(i, i + 1));
      if (i % 7 === 0) await new Promise((r) => setImmediate(r));
    }
    await expectEchoResponse(p, 1, "split");
  });

  it("parses many frames in one write", async () => {
    const p = await h.peer();
    const reqs = [];
    for (let sid = 1; sid < 60; sid += 2) reqs.push(echoRequest(p, sid, `m${sid}`));
    p.send(Buffer.concat(reqs));
    for (let sid = 1; sid < 60; sid += 2) await expectEchoResponse(p, sid, `m${sid}`);
  });
});

describe("server 4.2 frame size", () => {
  const h = serverHarness({ maxFrameSize: 16384 });

  it("DATA larger than SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1), data(1, Buffer.alloc(16385)));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });

  it("HEADERS larger than SETTINGS_MAX_FRAME_SIZE: FRAME_SIZE_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, literalBlock([...requestFields(), ["x-big", "a".repeat(17000)]])));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });

  it("a frame header announcing a huge length is rejected before the payload arrives", async () => {
    const p = await h.peer();
    p.send(Buffer.from([0xff, 0xff, 0xff, T.DATA, 0, 0, 0, 0, 1]));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
  });
});

describe("server 4.2 frame size: a larger SETTINGS_MAX_FRAME_SIZE of ours", () => {
  const h = serverHarness({ maxFrameSize: 65536 });

  it("is advertised, a DATA frame that large is taken, one byte more is a FRAME_SIZE_ERROR", async () => {
    const p = await RawPeer.connect(h.server().port);
    const theirs = await p.handshake([[S.INITIAL_WINDOW_SIZE, 1 << 20]]);
    p.send(windowUpdate(0, 1 << 20)); // room for the 64 KiB echo
    const advertised = [];
    for (let o = 0; o < theirs.payload.length; o += 6) {
      if (theirs.payload.readUInt16BE(o) === S.MAX_FRAME_SIZE) advertised.push(theirs.payload.readUInt32BE(o + 2));
    }
    assert.deepEqual(advertised, [65536]);
    const body = grpcFrame(Buffer.alloc(65536 - 5, 3));
    p.send(requestHeaders(p, 1), data(1, body, F.END_STREAM));
    await expectEchoResponse(p, 1, body.subarray(5).toString());
    p.send(requestHeaders(p, 3), data(3, Buffer.alloc(65537)));
    await p.expectConnectionError(E.FRAME_SIZE_ERROR);
    p.close();
  });
});

describe("server 4.3 header compression", () => {
  const h = serverHarness();

  it("an undecodable header block: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("a PRIORITY frame inside a header block: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    const block = p.encoder.encode(requestFields());
    p.send(headers(1, block.subarray(0, 5), 0), frame(T.PRIORITY, 0, 1, Buffer.concat([u32(0), Buffer.from([1])])));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });

  it("HEADERS for another stream inside a header block: PROTOCOL_ERROR", async () => {
    const p = await h.peer();
    const block = p.encoder.encode(requestFields());
    p.send(headers(1, block.subarray(0, 5), 0), headers(3, block));
    await p.expectConnectionError(E.PROTOCOL_ERROR);
  });
});
