/**
 * A request answered before it ended (size limit, unknown method, bad grpc-timeout, shutdown, a handler that failed
 * early): the server (both engines) reads and discards the rest of the request, grants window as it goes, and closes the stream
 * without RST_STREAM when the client finishes within the bound; it resets with NO_ERROR once the bound in bytes or
 * time is hit. A proxy in front (HAProxy) turns a reset into CANCEL and loses the status (docs/proxies.md).
 */
import assert from "node:assert/strict";
import { after, before, describe, it, mock } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { createH2ServerEngine } from "../../src/engine/h2/index.js";
import type { H2Tuning } from "../../src/engine/h2/tuning.js";
import { nodeServerEngineWith } from "../../src/engine/node/server.js";
import type { ServerEngineFactory } from "../../src/engine/types.js";
import { silentLogger } from "../../src/log/logger.js";
import { GrpcServer } from "../../src/server/server.js";
import { createEchoService, EchoService } from "../../src/services/echo.js";
import { StreamTestService } from "../support/stream-test-service.js";
import { data, E, F, grpcFrame, headers, requestFields, T } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";

const ECHO = "/fastgrpc.echo.v1.EchoService/Echo";
const SUM = "/fastgrpc.test.v1.StreamTestService/Sum";
const LIMIT = 1024;
/** The stream window the engine advertises for a 1 KiB message limit (server-engine.ts: at least 65535). */
const WINDOW = 65535;
const CHUNK = 16384;

interface Server {
  grpc: GrpcServer;
  port: number;
}

type Bounds = Pick<Partial<H2Tuning>, "earlyAnswerDrainBytes" | "earlyAnswerDrainMs" | "shutdownPingTimeoutMs">;

const ENGINES: Array<{ name: string; engine(bounds: Bounds): ServerEngineFactory }> = [
  { name: "h2", engine: (tuning) => (dispatcher, options) => createH2ServerEngine(dispatcher, options, tuning) },
  {
    name: "node:http2",
    engine: (b) => nodeServerEngineWith({
      ...(b.earlyAnswerDrainBytes !== undefined ? { bytes: b.earlyAnswerDrainBytes } : {}),
      ...(b.earlyAnswerDrainMs !== undefined ? { ms: b.earlyAnswerDrainMs } : {}),
    }),
  },
];

const H2 = ENGINES[0] as (typeof ENGINES)[number];

async function startServer(engine: (typeof ENGINES)[number], bounds: Bounds = {}): Promise<Server> {
  const grpc = new GrpcServer({ log: silentLogger(), maxMessageBytes: LIMIT, engine: engine.engine(bounds) });
  grpc.addService(EchoService, createEchoService(silentLogger()));
  grpc.addService(StreamTestService, {
    async *count() {},
    async sum(requests) {
      for await (const _ of requests) throw new GrpcError(Code.FAILED_PRECONDITION, "the first chunk is enough");
      return { count: 0 };
    },
    async *pipe() {},
    unused: () => ({}),
  });
  const listener = await grpc.listen("tcp://127.0.0.1:0");
  return { grpc, port: Number(new URL(listener.url).port) };
}

async function connect(server: Server, peers: RawPeer[]): Promise<RawPeer> {
  const peer = await RawPeer.connect(server.port);
  peers.push(peer);
  await peer.handshake();
  return peer;
}

function request(peer: RawPeer, sid: number, path: string, extra: Array<[string, string]> = []): Buffer {
  return headers(sid, peer.encoder.encode(requestFields(path, extra)), F.END_HEADERS);
}

/** The trailers-only answer on the stream: END_STREAM and the status code. */
async function expectTrailersOnly(peer: RawPeer, sid: number, code: Code): Promise<void> {
  const answer = await peer.nextHeaders(sid);
  assert.ok((answer.flags & F.END_STREAM) !== 0, "the answer ends the stream");
  assert.deepEqual(answer.fields.find(([n]) => n === "grpc-status"), ["grpc-status", String(code)], JSON.stringify(answer.fields));
}

function windowGranted(peer: RawPeer, sid: number): number {
  let sum = 0;
  for (const f of peer.frames) if (f.type === T.WINDOW_UPDATE && f.streamId === sid) sum += f.payload.readUInt32BE(0) & 0x7fffffff;
  return sum;
}

function resets(peer: RawPeer, sid: number): number[] {
  return peer.frames.filter((f) => f.type === T.RST_STREAM && f.streamId === sid).map((f) => f.payload.readUInt32BE(0));
}

/**
 * Sends `bytes` more bytes of DATA on the stream within its flow-control window (waiting for WINDOW_UPDATE when it
 * runs out), the last frame with END_STREAM when `end`. `sent` is what the stream already carried.
 */
async function sendWithinWindow(peer: RawPeer, sid: number, sent: number, bytes: number, end: boolean): Promise<void> {
  let left = bytes;
  while (left > 0) {
    const window = WINDOW + windowGranted(peer, sid) - sent;
    if (window <= 0) {
      const before = windowGranted(peer, sid);
      await peer.until(() => windowGranted(peer, sid) > before || resets(peer, sid).length > 0);
      if (resets(peer, sid).length > 0) return;
      continue;
    }
    const n = Math.min(CHUNK, left, window);
    left -= n;
    sent += n;
    peer.send(data(sid, Buffer.alloc(n, 0x62), left === 0 && end ? F.END_STREAM : 0));
  }
}

/** The peer finished its request: no RST_STREAM came for it (a PING answered after the last DATA proves it). */
async function expectClosedWithoutReset(peer: RawPeer, sid: number): Promise<void> {
  await peer.expectAlive();
  assert.deepEqual(resets(peer, sid), [], "no RST_STREAM after the client finished its request");
}

for (const engine of ENGINES) describe(`early answers: the rest of the request is read and discarded (${engine.name})`, () => {
  let server: Server;
  const peers: RawPeer[] = [];
  before(async () => { server = await startServer(engine); });
  after(async () => {
    for (const p of peers) p.close();
    await server.grpc.shutdown(100);
  });

  it("a message over the size limit: RESOURCE_EXHAUSTED, window granted for 256 KiB more, no reset", async () => {
    const peer = await connect(server, peers);
    const size = 256 * 1024;
    const first = CHUNK - 5;
    peer.send(request(peer, 1, ECHO), data(1, Buffer.concat([prefix(size), Buffer.alloc(first, 0x61)])));
    await expectTrailersOnly(peer, 1, Code.RESOURCE_EXHAUSTED);
    await sendWithinWindow(peer, 1, CHUNK, size - first, true);
    await expectClosedWithoutReset(peer, 1);
    assert.ok(windowGranted(peer, 1) >= size - WINDOW, `window granted for what was discarded (${windowGranted(peer, 1)})`);
  });

  it("an unknown method, a malformed grpc-timeout, a handler that fails before the request ended: no reset", async () => {
    const peer = await connect(server, peers);
    const cases: Array<[number, string, Array<[string, string]>, Code]> = [
      [1, "/no.such.Service/Method", [], Code.UNIMPLEMENTED],
      [3, ECHO, [["grpc-timeout", "bogus"]], Code.INVALID_ARGUMENT],
      [5, SUM, [], Code.FAILED_PRECONDITION],
    ];
    for (const [sid, path, extra, code] of cases) {
      // Sum's handler throws on the first chunk (field 1 = 1): the answer comes while the request is still open.
      peer.send(request(peer, sid, path, extra), data(sid, grpcFrame(Buffer.from([0x08, 0x01]))));
      await expectTrailersOnly(peer, sid, code);
      await sendWithinWindow(peer, sid, 7, 100_000, true);
      await expectClosedWithoutReset(peer, sid);
    }
  });

  it("request trailers end a discarded request quietly too", async () => {
    const peer = await connect(server, peers);
    peer.send(request(peer, 1, "/no.such.Service/Method"));
    await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
    peer.send(data(1, Buffer.alloc(100)), headers(1, peer.encoder.encode([["x-trailer", "t"]]), F.END_HEADERS | F.END_STREAM));
    await expectClosedWithoutReset(peer, 1);
  });

  it("a request that ends with its HEADERS and is answered early gets no reset", async () => {
    const peer = await connect(server, peers);
    peer.send(headers(1, peer.encoder.encode(requestFields("/no.such.Service/Method")), F.END_HEADERS | F.END_STREAM));
    await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
    await expectClosedWithoutReset(peer, 1);
  });

  it("the connection serves new calls while a request is being discarded", async () => {
    const peer = await connect(server, peers);
    peer.send(request(peer, 1, "/no.such.Service/Method"));
    await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
    const echo = grpcFrame(Buffer.from([0x0a, 0x02, 0x68, 0x69]));
    peer.send(request(peer, 3, ECHO), data(3, echo, F.END_STREAM));
    const h = await peer.nextHeaders(3);
    assert.deepEqual(h.fields.find(([n]) => n === ":status"), [":status", "200"]);
    peer.send(data(1, Buffer.alloc(10), F.END_STREAM));
    await expectClosedWithoutReset(peer, 1);
  });
});

describe("early answers during shutdown (h2)", () => {
  it("a call opened between the two GOAWAYs is served, not failed (rolling restarts lose no call)", async () => {
    const server = await startServer(H2, { shutdownPingTimeoutMs: 5000 });
    const peers: RawPeer[] = [];
    try {
      const peer = await connect(server, peers);
      const stopped = server.grpc.shutdown(3000);
      await peer.next((f) => f.type === T.GOAWAY); // the first GOAWAY; its PING stays unanswered
      peer.send(request(peer, 1, ECHO), data(1, Buffer.concat([prefix(5), Buffer.from([0x0a, 0x03, 0x61, 0x62, 0x63])]), F.END_STREAM));
      const head = await peer.nextHeaders(1);
      assert.ok((head.flags & F.END_STREAM) === 0, "a response, not a trailers-only answer");
      assert.deepEqual(head.fields.find(([n]) => n === ":status"), [":status", "200"]);
      const trailers = await peer.nextHeaders(1);
      assert.deepEqual(trailers.fields.find(([n]) => n === "grpc-status"), ["grpc-status", "0"], JSON.stringify(trailers.fields));
      peer.close();
      await stopped;
    } finally {
      for (const p of peers) p.close();
      await server.grpc.shutdown(100);
    }
  });

  // A stream opened between the two GOAWAYs is served as any other (GrpcServer no longer answers it UNAVAILABLE:
  // the client sent it before it saw the GOAWAY); an early answer to it drains its request the same way.
  it("an early answer to a stream opened between the two GOAWAYs, then its request is read to the end", async () => {
    const server = await startServer(H2, { shutdownPingTimeoutMs: 5000 });
    const peers: RawPeer[] = [];
    try {
      const peer = await connect(server, peers);
      const stopped = server.grpc.shutdown(3000);
      await peer.next((f) => f.type === T.GOAWAY); // the first GOAWAY; its PING stays unanswered
      peer.send(request(peer, 1, "/no.such.Service/Method"), data(1, prefix(100)));
      await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
      peer.send(data(1, Buffer.alloc(100), F.END_STREAM));
      await expectClosedWithoutReset(peer, 1);
      peer.close();
      await stopped;
    } finally {
      for (const p of peers) p.close();
      await server.grpc.shutdown(100);
    }
  });
});

for (const engine of ENGINES) describe(`early answers: the bound on what is discarded (${engine.name})`, () => {
  it("past the bound in bytes the stream is reset with NO_ERROR, and the connection lives on", async () => {
    const server = await startServer(engine, { earlyAnswerDrainBytes: 40_000 });
    const peers: RawPeer[] = [];
    try {
      const peer = await connect(server, peers);
      peer.send(request(peer, 1, "/no.such.Service/Method"));
      await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
      peer.send(data(1, Buffer.alloc(CHUNK)), data(1, Buffer.alloc(CHUNK)));
      await expectClosedWithoutReset(peer, 1); // 32 KiB: within the bound
      peer.send(data(1, Buffer.alloc(CHUNK)));
      await peer.expectStreamError(1, E.NO_ERROR);
      await peer.expectAlive();
    } finally {
      for (const p of peers) p.close();
      await server.grpc.shutdown(100);
    }
  });

  it("past the bound in time the stream is reset with NO_ERROR (mocked timers)", async () => {
    const server = await startServer(engine, { earlyAnswerDrainMs: 1000 });
    const peers: RawPeer[] = [];
    mock.timers.enable({ apis: ["setTimeout"] });
    try {
      const peer = await connect(server, peers);
      peer.send(request(peer, 1, "/no.such.Service/Method"), data(1, Buffer.alloc(10)));
      await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
      mock.timers.tick(999);
      await expectClosedWithoutReset(peer, 1);
      mock.timers.tick(1);
      await peer.expectStreamError(1, E.NO_ERROR);
      await peer.expectAlive();
    } finally {
      mock.timers.reset();
      for (const p of peers) p.close();
      await server.grpc.shutdown(100);
    }
  });

});

describe("early answers with no bound (h2)", () => {
  it("with the bound at 0 bytes the old behaviour stays: RST_STREAM NO_ERROR right after the answer", async () => {
    const server = await startServer(H2, { earlyAnswerDrainBytes: 0 });
    const peers: RawPeer[] = [];
    try {
      const peer = await connect(server, peers);
      peer.send(request(peer, 1, "/no.such.Service/Method"));
      await expectTrailersOnly(peer, 1, Code.UNIMPLEMENTED);
      await peer.expectStreamError(1, E.NO_ERROR);
    } finally {
      for (const p of peers) p.close();
      await server.grpc.shutdown(100);
    }
  });
});

/** The 5-byte gRPC prefix of an uncompressed message of `size` bytes. */
function prefix(size: number): Buffer {
  const b = Buffer.alloc(5);
  b.writeUInt32BE(size, 1);
  return b;
}
