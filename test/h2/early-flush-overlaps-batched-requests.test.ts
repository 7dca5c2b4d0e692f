/**
 * A client that sends many requests in one write (h2load, our bench, any pipelining client) gets the first answers
 * while the engine still parses the rest of that chunk (H2Tuning.earlyFlushBytes), so client and server overlap
 * instead of taking turns; each early write doubles the bytes the next one waits for, so large answers do not cost a
 * write each. Driven on an in-memory duplex so that "one input chunk" is exact.
 */
import assert from "node:assert/strict";
import { Duplex } from "node:stream";
import { test } from "node:test";
import { createH2ServerEngine } from "../../src/engine/h2/index.js";
import type { ServerStream, StreamDispatcher } from "../../src/engine/types.js";
import { F, grpcFrame, HpackEncoder, PREFACE, data, headers, requestFields, settings, settingsAck } from "./support/frames.js";

/** The socket side the engine sees: records every write it makes. */
class RecordingSocket extends Duplex {
  readonly writes: Buffer[] = [];
  override _read(): void {}
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.writes.push(chunk);
    done();
  }
}

/** Writes seen by the socket when each stream was dispatched, for one chunk of `requests` unary echo calls. */
async function writesSeenPerStream(requests: number, earlyFlushBytes: number, payloadBytes = 64): Promise<number[]> {
  const seen: number[] = [];
  const socket = new RecordingSocket();
  const dispatcher: StreamDispatcher = {
    onStream(stream: ServerStream) {
      seen.push(socket.writes.length);
      const body: Buffer[] = [];
      return {
        onData: (chunk) => void body.push(Buffer.from(chunk)),
        onEnd: () => stream.sendUnary(Buffer.concat(body)),
        onCancel: () => undefined,
      };
    },
  };
  const engine = createH2ServerEngine(dispatcher, { maxConcurrentStreams: 1000, maxMessageBytes: 1 << 20 }, { earlyFlushBytes });
  engine.serveConnection(socket, { transport: "tcp", label: "memory" });
  socket.push(Buffer.concat([PREFACE, settings(), settingsAck()]));
  await new Promise((resolve) => setImmediate(resolve));
  const before = socket.writes.length;
  const encoder = new HpackEncoder();
  const frames: Buffer[] = [];
  const message = grpcFrame(Buffer.alloc(payloadBytes, 0x78));
  for (let i = 0; i < requests; i++) {
    const sid = 1 + 2 * i;
    frames.push(headers(sid, encoder.encode(requestFields()), F.END_HEADERS), data(sid, message, F.END_STREAM));
  }
  socket.push(Buffer.concat(frames)); // one chunk, as one read from the socket would deliver it
  await new Promise((resolve) => setImmediate(resolve));
  await engine.shutdown(0);
  return seen.map((writes) => writes - before);
}

test("with 100 requests in one chunk, answers are written before the last request is parsed", async () => {
  const seen = await writesSeenPerStream(100, 4096);
  assert.equal(seen.length, 100);
  assert.equal(seen[0], 0, "nothing is written before the first request");
  const last = seen[seen.length - 1] ?? 0;
  assert.ok(last >= 1, `~100 B per answer: the first 4 KiB of answers is written before the 100th request, saw ${last}`);
});

test("answers of 4 KiB go out in writes that double in size, not one write each", async () => {
  const seen = await writesSeenPerStream(16, 4096, 4096);
  assert.equal(seen.length, 16);
  assert.equal(seen[0], 0, "nothing is written before the first request");
  // Writes after answers 1, 3, 7 and 15 (4, 8, 16 and 32 KiB): 4 before the 16th request, where one write per
  // answer would have made 15.
  assert.deepEqual([seen[1], seen[3], seen[7], seen[15]], [1, 2, 3, 4], `writes seen per request: ${seen.join(",")}`);
});

test("without early flushing, the whole chunk is parsed before anything is written", async () => {
  const seen = await writesSeenPerStream(100, Number.POSITIVE_INFINITY);
  assert.deepEqual(new Set(seen), new Set([0]));
});
