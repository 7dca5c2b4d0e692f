/**
 * Per-message compression on both engines: what goes on the wire (flag byte, grpc-encoding, grpc-accept-encoding)
 * checked with node:http2 as the peer, then our client against our server both ways, per message on streams, the
 * threshold, an unsupported encoding and a zip bomb.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, test } from "node:test";
import zlib from "node:zlib";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import type { CompressionName } from "../../src/protocol/compression.js";
import { EchoService } from "../../src/services/echo.js";
import type { CallContext } from "../../src/server/service.js";
import { ENGINES } from "../support/engines.js";
import { echoMessage, grpcFrame } from "../support/echo-wire.js";
import { type Running, startEcho } from "../support/harness.js";

const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";
const LIMIT = 64 * 1024;

/** Whether each request of the last EchoStream arrived compressed, as the handler saw it. */
const seenRequestFlags: boolean[] = [];

/** Echo that compresses its answer as the request's x-compress metadata asks, per message on the stream. */
const compressingEcho = {
  echo(request: { payload: Uint8Array }, ctx: CallContext) {
    const wanted = ctx.metadata()["x-compress"];
    if (typeof wanted === "string") ctx.setCompression(wanted as CompressionName);
    return { payload: request.payload };
  },
  async *echoStream(requests: AsyncIterable<{ payload: Uint8Array }>, ctx: CallContext) {
    ctx.setCompression("gzip");
    let index = 0;
    seenRequestFlags.length = 0;
    for await (const request of requests) {
      seenRequestFlags.push(ctx.requestWasCompressed(request));
      ctx.setMessageCompression(index++ % 2 === 0); // even answers compressed, odd ones plain
      yield { payload: request.payload };
    }
  },
};

interface RawAnswer { headers: http2.IncomingHttpHeaders; trailers: http2.IncomingHttpHeaders; body: Buffer }

async function rawRequest(url: string, headers: http2.OutgoingHttpHeaders, body: Buffer): Promise<RawAnswer> {
  const session = http2.connect(url.replace("tcp://", "http://"));
  try {
    return await new Promise<RawAnswer>((resolve, reject) => {
      const stream = session.request({ ":method": "POST", ":path": ECHO_PATH, "content-type": "application/grpc", te: "trailers", ...headers });
      let responseHeaders: http2.IncomingHttpHeaders = {};
      let trailers: http2.IncomingHttpHeaders = {};
      const chunks: Buffer[] = [];
      stream.on("response", (h) => { responseHeaders = h; });
      stream.on("trailers", (t) => { trailers = t; });
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("error", reject);
      stream.on("close", () => resolve({ headers: responseHeaders, trailers, body: Buffer.concat(chunks) }));
      stream.end(body);
    });
  } finally {
    session.close();
  }
}

function statusOf(answer: RawAnswer): string | undefined {
  return (answer.trailers["grpc-status"] ?? answer.headers["grpc-status"]) as string | undefined;
}

for (const engine of ENGINES) {
  describe(`compression (engine ${engine.name})`, () => {
    let running: Running;
    before(async () => {
      running = await startEcho(engine, {
        server: { maxMessageBytes: LIMIT },
        setup: (server) => { server.addService(EchoService, compressingEcho); },
      });
    });
    after(() => running.stop());

    test("the server inflates gzip and deflate requests and compresses its answer only when asked and accepted", async () => {
      const payload = Buffer.alloc(4000, "a");
      for (const encoding of ["gzip", "deflate"] as const) {
        const compressed = encoding === "gzip" ? zlib.gzipSync(echoMessage(payload)) : zlib.deflateSync(echoMessage(payload));
        const answer = await rawRequest(running.url, {
          "grpc-encoding": encoding, "grpc-accept-encoding": "identity,gzip,deflate", "x-compress": encoding,
        }, grpcFrame(compressed, true));
        assert.equal(statusOf(answer), "0");
        assert.equal(answer.headers["grpc-encoding"], encoding);
        assert.equal(answer.body[0], 1, "the answer's compressed flag");
        const inflated = encoding === "gzip" ? zlib.gunzipSync(answer.body.subarray(5)) : zlib.inflateSync(answer.body.subarray(5));
        assert.deepEqual(inflated, echoMessage(payload));
      }
      // Asked for gzip but the client accepts only deflate: the answer is plain, with no grpc-encoding.
      const plain = await rawRequest(running.url, { "grpc-accept-encoding": "deflate", "x-compress": "gzip" }, grpcFrame(echoMessage(payload), false));
      assert.equal(statusOf(plain), "0");
      assert.equal(plain.headers["grpc-encoding"], undefined);
      assert.equal(plain.body[0], 0);
      // Under the 1 KiB threshold: announced, but the message itself goes plain.
      const small = await rawRequest(running.url, { "grpc-accept-encoding": "gzip", "x-compress": "gzip" }, grpcFrame(echoMessage(Buffer.from("hi")), false));
      assert.equal(small.headers["grpc-encoding"], "gzip");
      assert.equal(small.body[0], 0);
      assert.deepEqual(small.body.subarray(5), echoMessage(Buffer.from("hi")));
    });

    test("an unsupported encoding answers UNIMPLEMENTED with our grpc-accept-encoding", async () => {
      const answer = await rawRequest(running.url, { "grpc-encoding": "snappy" }, grpcFrame(Buffer.from([1, 2, 3]), true));
      assert.equal(statusOf(answer), String(Code.UNIMPLEMENTED));
      assert.equal(answer.trailers["grpc-accept-encoding"] ?? answer.headers["grpc-accept-encoding"], "gzip,deflate,identity");
    });

    test("a zip bomb under the wire limit is RESOURCE_EXHAUSTED, and the server keeps serving", async () => {
      const bomb = zlib.gzipSync(echoMessage(Buffer.alloc(16 * 1024 * 1024)));
      assert.ok(bomb.length < LIMIT);
      const answer = await rawRequest(running.url, { "grpc-encoding": "gzip" }, grpcFrame(bomb, true));
      assert.equal(statusOf(answer), String(Code.RESOURCE_EXHAUSTED));
      const reply = await running.client.unary(EchoService.method.echo, { payload: Buffer.from("alive") });
      assert.equal(Buffer.from(reply.payload).toString(), "alive");
    });

    test("our client and server: gzip and deflate both ways on unary calls, as client default and per call", async () => {
      for (const compression of ["gzip", "deflate"] as const) {
        const client = new GrpcClient(running.url, { engine: engine.client, compression });
        try {
          const payload = Buffer.alloc(20_000, 7);
          const reply = await client.unary(EchoService.method.echo, { payload }, { metadata: { "x-compress": compression } });
          assert.deepEqual(Buffer.from(reply.payload), payload);
          const perCall = await running.client.unary(EchoService.method.echo, { payload }, { compression, metadata: { "x-compress": compression } });
          assert.deepEqual(Buffer.from(perCall.payload), payload);
        } finally {
          await client.close(true);
        }
      }
    });

    test("a compressed request that inflates past the server's limit fails RESOURCE_EXHAUSTED", async () => {
      await assert.rejects(
        running.client.unary(EchoService.method.echo, { payload: Buffer.alloc(LIMIT + 1) }, { compression: "gzip" }),
        (error: unknown) => error instanceof GrpcError && error.code === Code.RESOURCE_EXHAUSTED,
      );
    });

    test("a bidi stream mixes compressed and plain messages both ways, per message", async () => {
      const payloads = [0, 1, 2, 3].map((i) => Buffer.alloc(5000, i));
      async function* requests() { yield* payloads.map((payload) => ({ payload })); }
      const replies: Buffer[] = [];
      const responseFlags: boolean[] = [];
      for await (const reply of running.client.bidiStream(EchoService.method.echoStream, requests(), {
        compression: "deflate", compressRequest: (index) => index !== 1, onResponseMessage: (compressed) => responseFlags.push(compressed),
      })) replies.push(Buffer.from(reply.payload));
      assert.deepEqual(replies, payloads);
      assert.deepEqual(seenRequestFlags, [true, false, true, true], "requests: all compressed but the second");
      assert.deepEqual(responseFlags, [true, false, true, false], "responses: the handler's per-message choice");
    });
  });

  describe(`compression on the wire from our client (engine ${engine.name})`, () => {
    test("requests carry the flag, grpc-encoding and grpc-accept-encoding; a gzip answer is inflated", async () => {
      const seen: { headers: http2.IncomingHttpHeaders; body: Buffer }[] = [];
      const server = http2.createServer();
      server.on("stream", (stream, headers) => {
        const chunks: Buffer[] = [];
        stream.on("data", (chunk: Buffer) => chunks.push(chunk));
        stream.on("end", () => {
          seen.push({ headers, body: Buffer.concat(chunks) });
          stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-encoding": "gzip" }, { waitForTrailers: true });
          stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
          stream.end(grpcFrame(zlib.gzipSync(echoMessage(Buffer.alloc(3000, 9))), true));
        });
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      const port = (server.address() as AddressInfo).port;
      const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: engine.client });
      try {
        const big = await client.unary(EchoService.method.echo, { payload: Buffer.alloc(3000, 1) }, { compression: "gzip" });
        assert.deepEqual(Buffer.from(big.payload), Buffer.alloc(3000, 9));
        await client.unary(EchoService.method.echo, { payload: Buffer.from("tiny") }, { compression: "deflate" });
        await client.unary(EchoService.method.echo, { payload: Buffer.alloc(3000) });
        const [compressed, underThreshold, unset] = seen;
        assert.ok(compressed && underThreshold && unset);
        assert.equal(compressed.headers["grpc-encoding"], "gzip");
        assert.equal(compressed.headers["grpc-accept-encoding"], "gzip,deflate,identity");
        assert.equal(compressed.body[0], 1);
        assert.deepEqual(zlib.gunzipSync(compressed.body.subarray(5)), echoMessage(Buffer.alloc(3000, 1)));
        assert.equal(underThreshold.headers["grpc-encoding"], "deflate");
        assert.equal(underThreshold.body[0], 0);
        // A call that never asked for compression adds no header at all (the hot path is unchanged).
        assert.equal(unset.headers["grpc-encoding"], undefined);
        assert.equal(unset.headers["grpc-accept-encoding"], undefined);
        assert.equal(unset.body[0], 0);
      } finally {
        await client.close(true);
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    });
  });
}
