/**
 * gRPC messages reach the gRPC layer's MessageReader whole and unchanged wherever they are cut: across DATA frames
 * at every byte position, across socket chunks at every byte position, and both at once; with a message per DATA
 * frame (handed over in place) and messages spanning frames (assembled once from the 5-byte prefix).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { createH2ServerEngine } from "../../src/engine/h2/index.js";
import type { ServerStream, ServerStreamHandler } from "../../src/engine/types.js";
import { MessageReader } from "../../src/protocol/framing.js";
import { data, F, grpcFrame, headers, HpackEncoder, PREFACE, requestFields, settings } from "./support/frames.js";
import { MemorySocket } from "./support/memory-socket.js";

const MESSAGES = [Buffer.alloc(150, 1).fill(7, 40), Buffer.alloc(0), Buffer.from("third message")];
const BODY = Buffer.concat(MESSAGES.map((m) => grpcFrame(m)));

interface Received {
  messages: Buffer[];
  ended: boolean;
  errors: string[];
}

/** A server engine on a memory socket whose one stream collects messages through a MessageReader. */
function serve(): { socket: MemorySocket; received: Received } {
  const received: Received = { messages: [], ended: false, errors: [] };
  const engine = createH2ServerEngine({
    onStream(stream: ServerStream): ServerStreamHandler {
      const reader = new MessageReader({
        onMessage: (m) => received.messages.push(Buffer.from(m)),
        onFrameError: (e) => received.errors.push(e.kind),
      }, 1 << 20);
      return {
        onData: (chunk) => reader.push(chunk),
        onEnd: () => {
          received.ended = true;
          stream.sendTrailers(0, "");
        },
        onCancel: () => received.errors.push("cancel"),
      };
    },
  }, { maxConcurrentStreams: 10, maxMessageBytes: 1 << 20, onConnectionError: (e) => received.errors.push(e.message) });
  const socket = new MemorySocket();
  engine.serveConnection(socket.asDuplex(), { transport: "tcp", label: "memory" });
  return { socket, received };
}

/** The client's bytes: preface, SETTINGS, request HEADERS, then the body cut into DATA frames at `cuts`. */
function requestBytes(cuts: number[]): Buffer {
  const parts = [PREFACE, settings(), headers(1, new HpackEncoder().encode(requestFields("/test.Split/Call")))];
  let from = 0;
  for (const to of [...cuts, BODY.length]) {
    parts.push(data(1, BODY.subarray(from, to), to === BODY.length ? F.END_STREAM : 0));
    from = to;
  }
  return Buffer.concat(parts);
}

function check(received: Received, what: string): void {
  assert.deepEqual(received.errors, [], what);
  assert.equal(received.ended, true, what);
  assert.equal(received.messages.length, MESSAGES.length, what);
  for (let i = 0; i < MESSAGES.length; i++) assert.ok(received.messages[i]?.equals(MESSAGES[i] as Buffer), `${what}: message ${i}`);
}

describe("messages cut anywhere", () => {
  it("across two DATA frames at every byte position", () => {
    for (let k = 0; k <= BODY.length; k++) {
      const { socket, received } = serve();
      socket.feed(requestBytes([k]));
      check(received, `DATA cut at ${k}`);
    }
  });

  it("one DATA frame per byte", () => {
    const { socket, received } = serve();
    socket.feed(requestBytes(Array.from({ length: BODY.length - 1 }, (_, i) => i + 1)));
    check(received, "byte frames");
  });

  it("across two socket chunks at every byte position (frame headers, HPACK and payload cut too)", () => {
    const bytes = requestBytes([]);
    for (let j = 1; j < bytes.length; j++) {
      const { socket, received } = serve();
      socket.feed(bytes.subarray(0, j));
      socket.feed(bytes.subarray(j));
      check(received, `socket cut at ${j}`);
    }
  });

  it("cut across DATA frames and socket chunks at once", () => {
    for (let k = 1; k < BODY.length; k += 7) {
      const bytes = requestBytes([k, Math.min(BODY.length, k + 50)]);
      for (let j = 1; j < bytes.length; j += 13) {
        const { socket, received } = serve();
        socket.feed(bytes.subarray(0, j));
        socket.feed(bytes.subarray(j));
        check(received, `DATA cut at ${k}, socket cut at ${j}`);
      }
    }
  });

  it("one socket chunk per byte", () => {
    const bytes = requestBytes([60]);
    const { socket, received } = serve();
    for (let j = 0; j < bytes.length; j++) socket.feed(bytes.subarray(j, j + 1));
    check(received, "byte chunks");
  });

  it("a DATA frame longer than the chunk is handed over as it arrives, not collected first", () => {
    const chunks: number[] = [];
    let ended = false;
    const engine = createH2ServerEngine({
      onStream: () => ({ onData: (c) => chunks.push(c.length), onEnd: () => { ended = true; }, onCancel() {} }),
    }, { maxConcurrentStreams: 10, maxMessageBytes: 1 << 20 });
    const socket = new MemorySocket();
    engine.serveConnection(socket.asDuplex(), { transport: "tcp", label: "memory" });
    const payload = Buffer.alloc(200_000, 9);
    const bytes = Buffer.concat([PREFACE, settings(), headers(1, new HpackEncoder().encode(requestFields("/test.Split/Big"))),
      data(1, payload, F.END_STREAM)]);
    const firstPart = bytes.length - payload.length + 70_000;
    socket.feed(bytes.subarray(0, firstPart));
    assert.equal(chunks.reduce((a, b) => a + b, 0), 70_000, "the first 70,000 bytes are delivered before the rest arrives");
    assert.equal(ended, false);
    socket.feed(bytes.subarray(firstPart, firstPart + 100_000));
    socket.feed(bytes.subarray(firstPart + 100_000));
    assert.deepEqual(chunks, [70_000, 100_000, 30_000]);
    assert.equal(ended, true);
  });
});
