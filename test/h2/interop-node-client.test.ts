/** node:http2 (nghttp2 inside Node) as the client, against the fastgrpc engine's server. */
import assert from "node:assert/strict";
import http2 from "node:http2";
import { after, before, describe, it } from "node:test";
import { grpcFrame } from "./support/frames.js";
import { startEchoServer, type EchoServer } from "./support/echo-server.js";

interface Reply {
  status: number | undefined;
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders;
  body: Buffer;
}

function call(session: http2.ClientHttp2Session, path: string, body: Buffer, extra: Record<string, string> = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = session.request({
      ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers", ...extra,
    });
    const chunks: Buffer[] = [];
    let headers: http2.IncomingHttpHeaders = {};
    let trailers: http2.IncomingHttpHeaders = {};
    req.on("response", (h) => (headers = h));
    req.on("trailers", (t) => (trailers = t));
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve({ status: Number(headers[":status"]), headers, trailers, body: Buffer.concat(chunks) }));
    req.on("error", reject);
    req.end(body);
  });
}

describe("node:http2 client -> h2 engine server", () => {
  let server: EchoServer;
  let session: http2.ClientHttp2Session;

  before(async () => {
    server = await startEchoServer();
    session = http2.connect(`http://127.0.0.1:${server.port}`);
  });
  after(async () => {
    session.close();
    await server.close();
  });

  it("echoes a unary call with status 200, content-type and grpc-status 0", async () => {
    const msg = grpcFrame(Buffer.from("hello"));
    const r = await call(session, "/test.Echo/Echo", msg);
    assert.equal(r.status, 200);
    assert.equal(r.headers["content-type"], "application/grpc");
    assert.equal(r.trailers["grpc-status"], "0");
    assert.deepEqual(r.body, msg);
  });

  it("serves 1000 concurrent calls on one connection", async () => {
    const calls = [];
    for (let i = 0; i < 1000; i++) calls.push(call(session, "/test.Echo/Echo", grpcFrame(Buffer.from(`m${i}`))));
    const replies = await Promise.all(calls);
    replies.forEach((r, i) => assert.deepEqual(r.body, grpcFrame(Buffer.from(`m${i}`))));
  });

  it("sends a trailers-only error with a percent-encoded grpc-message and metadata", async () => {
    const r = await call(session, "/test.Echo/Fail", grpcFrame(Buffer.alloc(0)));
    assert.equal(r.status, 200);
    assert.equal(r.headers["grpc-status"], "3");
    assert.equal(r.headers["grpc-message"], "bad argument: 100%25 wrong%0A");
    assert.equal(r.headers["x-detail"], "yes");
    assert.equal(r.body.length, 0);
  });

  it("echoes metadata as response headers and trailers", async () => {
    const r = await call(session, "/test.Echo/Metadata", grpcFrame(Buffer.from("x")), { "x-one": "1", "x-two": "2" });
    assert.equal(r.headers["x-one"], "1");
    assert.equal(r.headers["x-two"], "2");
    assert.equal(r.trailers["x-trailer"], "t");
    assert.equal(r.trailers["grpc-status"], "0");
  });

  it("moves 16 MiB each way across the flow-control windows", async () => {
    const big = Buffer.alloc(16 * 1024 * 1024 + 5);
    for (let i = 0; i < big.length; i += 4096) big[i] = (i / 4096) & 0xff;
    big.writeUInt32BE(16 * 1024 * 1024, 1);
    big[0] = 0;
    const r = await call(session, "/test.Echo/Echo", big);
    assert.equal(r.trailers["grpc-status"], "0");
    assert.equal(r.body.length, big.length);
    assert.ok(r.body.equals(big));
  });

  it("streams: every chunk echoed as it arrives", async () => {
    const r = await call(session, "/test.Echo/Stream", grpcFrame(Buffer.from("stream-me")));
    assert.deepEqual(r.body, grpcFrame(Buffer.from("stream-me")));
    assert.equal(r.trailers["grpc-status"], "0");
  });

  it("reports a client cancel to the handler as onCancel", async () => {
    const before = server.stats.cancels;
    const req = session.request({ ":method": "POST", ":path": "/test.Echo/Hold", "content-type": "application/grpc" });
    req.on("error", () => {});
    req.end(grpcFrame(Buffer.from("x")));
    await new Promise((r) => setTimeout(r, 50));
    req.close(http2.constants.NGHTTP2_CANCEL);
    for (let i = 0; i < 100 && server.stats.cancels === before; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(server.stats.cancels, before + 1);
  });
});
