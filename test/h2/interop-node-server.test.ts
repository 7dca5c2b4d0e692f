/** The fastgrpc engine's client against a node:http2 server (nghttp2 inside Node). */
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { grpcFrame } from "./support/frames.js";
import { call, connectClient, startCall } from "./support/client-call.js";

describe("h2 engine client -> node:http2 server", () => {
  let server: http2.Http2Server;
  let port = 0;
  const seen: http2.IncomingHttpHeaders[] = [];

  before(async () => {
    server = http2.createServer({ settings: { maxConcurrentStreams: 50 } });
    server.on("stream", (stream, headers) => {
      seen.push(headers);
      const chunks: Buffer[] = [];
      stream.on("error", () => {});
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        if (stream.destroyed) return;
        const path = headers[":path"];
        if (path === "/fail") {
          stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": "5", "grpc-message": "nope" },
            { endStream: true });
          return;
        }
        if (path === "/reset") {
          stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
          return;
        }
        stream.respond({ ":status": 200, "content-type": "application/grpc", "x-echo": String(headers["x-in"] ?? "") },
          { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0", "x-t": "done" }));
        stream.end(Buffer.concat(chunks));
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
  });
  after(() => server.close());

  it("sends the gRPC request headers and gets headers, body and trailers back", async () => {
    const { session } = await connectClient(port);
    const msg = grpcFrame(Buffer.from("ping"));
    const r = await call(session, "/svc/Method", [msg], { "x-in": "abc", "grpc-timeout": "5S" });
    assert.equal(r.status, 200);
    assert.equal(r.headers?.["content-type"], "application/grpc");
    assert.equal(r.headers?.["x-echo"], "abc");
    assert.equal(r.trailers?.["grpc-status"], "0");
    assert.equal(r.trailers?.["x-t"], "done");
    assert.deepEqual(r.body, msg);
    assert.equal(r.resetCode, null);
    const h = seen.at(-1) ?? {};
    assert.equal(h[":method"], "POST");
    assert.equal(h[":scheme"], "http");
    assert.equal(h[":path"], "/svc/Method");
    assert.equal(h[":authority"], `127.0.0.1:${port}`);
    assert.equal(h["te"], "trailers");
    assert.equal(h["grpc-timeout"], "5S");
    session.close();
  });

  it("reports a trailers-only response with endStream", async () => {
    const { session } = await connectClient(port);
    const r = await call(session, "/fail", [grpcFrame(Buffer.alloc(0))]);
    assert.equal(r.trailersOnly, true);
    assert.equal(r.headers?.["grpc-status"], "5");
    assert.equal(r.trailers, undefined);
    session.close();
  });

  it("reports RST_STREAM codes in onClose", async () => {
    const { session } = await connectClient(port);
    const r = await call(session, "/reset", [grpcFrame(Buffer.alloc(0))]);
    assert.equal(r.resetCode, http2.constants.NGHTTP2_INTERNAL_ERROR);
    session.close();
  });

  it("respects the server's MAX_CONCURRENT_STREAMS (50) while running 500 calls", async () => {
    const { session } = await connectClient(port);
    await call(session, "/echo", [grpcFrame(Buffer.from("first"))]); // the server's SETTINGS are known after this
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) =>
      call(session, "/echo", [grpcFrame(Buffer.from(`n${i}`))])));
    assert.equal(session.maxConcurrentStreams, 50);
    results.forEach((r, i) => assert.deepEqual(r.body, grpcFrame(Buffer.from(`n${i}`))));
    session.close();
  });

  it("moves 16 MiB each way across the flow-control windows", async () => {
    const { session } = await connectClient(port);
    const big = Buffer.alloc(16 * 1024 * 1024 + 5, 7);
    big[0] = 0;
    big.writeUInt32BE(16 * 1024 * 1024, 1);
    const r = await call(session, "/echo", [big]);
    assert.equal(r.trailers?.["grpc-status"], "0");
    assert.ok(r.body.equals(big));
    session.close();
  });

  it("sends messages one by one, then half-closes with end()", async () => {
    const { session } = await connectClient(port);
    const { stream, done } = startCall(session, "/echo", [grpcFrame(Buffer.from("a")), grpcFrame(Buffer.from("b"))], {}, false);
    stream.end();
    const r = await done;
    assert.deepEqual(r.body, Buffer.concat([grpcFrame(Buffer.from("a")), grpcFrame(Buffer.from("b"))]));
    session.close();
  });

  it("closes gracefully: close() ends the session once calls finish", async () => {
    const { session, closed } = await connectClient(port);
    const p = call(session, "/echo", [grpcFrame(Buffer.from("last"))]);
    session.close();
    assert.equal(session.usable, false);
    assert.deepEqual((await p).body, grpcFrame(Buffer.from("last")));
    assert.equal(await closed, undefined);
  });
});
