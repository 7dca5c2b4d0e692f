// GOAWAY: the calls in flight on the old session finish; new calls use a new session or another target.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { test } from "node:test";
import { countingConnector, countingServer, echo, pool, sleep } from "./support/pool-harness.js";

/** A bare node:http2 gRPC echo (the request frame is a valid EchoResponse) that answers after `delayMs`. */
async function rawEchoServer(delayMs: number) {
  const sessions: http2.ServerHttp2Session[] = [];
  const streamsPerSession = new Map<http2.ServerHttp2Session, number>();
  const server = http2.createServer();
  server.on("session", (session) => {
    sessions.push(session);
    streamsPerSession.set(session, 0);
  });
  server.on("stream", (stream) => {
    streamsPerSession.set(stream.session as http2.ServerHttp2Session, (streamsPerSession.get(stream.session as http2.ServerHttp2Session) ?? 0) + 1);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      setTimeout(() => {
        if (stream.destroyed) return;
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `tcp://127.0.0.1:${port}`,
    sessions,
    streamsPerSession,
    close: () => new Promise<void>((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    }),
  };
}

test("after GOAWAY the call in flight finishes on its session and the next call opens a new session", async () => {
  const raw = await rawEchoServer(200);
  const { connector } = countingConnector();
  const p = pool([raw.url], connector);
  try {
    const inFlight = echo(p, "in flight");
    while (raw.sessions.length === 0 || (raw.streamsPerSession.get(raw.sessions[0] as http2.ServerHttp2Session) ?? 0) === 0) await sleep(5);
    const first = raw.sessions[0] as http2.ServerHttp2Session;
    first.goaway(http2.constants.NGHTTP2_NO_ERROR, 1); // stream 1 may finish
    await sleep(50);
    assert.equal(await echo(p, "after goaway"), "after goaway");
    assert.equal(await inFlight, "in flight");
    assert.equal(raw.sessions.length, 2, "a new session carried the new call");
    assert.equal(raw.streamsPerSession.get(first), 1, "nothing new went to the session that sent GOAWAY");
  } finally {
    p.close(true);
    await raw.close();
  }
});

test("server.shutdown on one of two targets: its calls in flight finish, new calls go to the other target", async () => {
  const slow = await countingServer({ delayMs: 200 });
  const other = await countingServer();
  const { connector } = countingConnector();
  const p = pool([slow.url, other.url], connector);
  try {
    // Bring both targets into rotation, then put a call in flight on each.
    await Promise.all([echo(p, "a"), echo(p, "b"), echo(p, "c"), echo(p, "d")]);
    assert.deepEqual(p.sessionCounts(), [1, 1]);
    const before = other.calls;
    const inFlight = [echo(p, "x"), echo(p, "y")];
    await sleep(20);
    const shutdown = slow.server.shutdown(2000);
    await sleep(20);
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => echo(p, `after ${i}`)));
    assert.equal(after.length, 10);
    assert.deepEqual(await Promise.all(inFlight), ["x", "y"]);
    assert.equal(other.calls - before, 10 + 1, "the new calls (and the fast in-flight one) went to the other target");
    await shutdown;
  } finally {
    p.close(true);
    await other.server.shutdown(100);
  }
});
