// GOAWAY: the calls in flight on the old session finish; new calls use a new session or another target. Both
// client engines; the tests wait for the GOAWAY and the server's streams, not for the wall clock.
import assert from "node:assert/strict";
import http2 from "node:http2";
import { test } from "node:test";
import { ENGINES } from "../support/engines.js";
import { countingServer, echo, observedConnector, pool } from "./support/pool-harness.js";

/** A bare node:http2 gRPC echo (the request frame is a valid EchoResponse) that answers when `release` is called. */
async function rawEchoServer() {
  const sessions: http2.ServerHttp2Session[] = [];
  const streamsPerSession = new Map<http2.ServerHttp2Session, number>();
  const held: Array<() => void> = [];
  let firstStream: () => void = () => {};
  const firstStreamArrived = new Promise<void>((resolve) => { firstStream = resolve; });
  const server = http2.createServer();
  server.on("session", (session) => {
    sessions.push(session);
    streamsPerSession.set(session, 0);
  });
  server.on("stream", (stream) => {
    const session = stream.session as http2.ServerHttp2Session;
    streamsPerSession.set(session, (streamsPerSession.get(session) ?? 0) + 1);
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      const answer = () => {
        if (stream.destroyed) return;
        stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
        stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
        stream.end(Buffer.concat(chunks));
      };
      // The first stream is held until release(); later ones answer at once.
      if (held.length === 0 && sessions.length === 1 && streamsPerSession.get(session) === 1) {
        held.push(answer);
        firstStream();
      } else {
        answer();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `tcp://127.0.0.1:${port}`,
    sessions,
    streamsPerSession,
    firstStreamArrived,
    release: () => { for (const answer of held.splice(0)) answer(); },
    close: () => new Promise<void>((resolve) => {
      for (const session of sessions) session.destroy();
      server.close(() => resolve());
    }),
  };
}

for (const engine of ENGINES) {
  test(`${engine.name}: after GOAWAY the call in flight finishes on its session and the next call opens a new session`, async (t) => {
    const raw = await rawEchoServer();
    const observed = observedConnector(engine);
    const p = pool([raw.url], observed.connector);
    t.after(async () => {
      p.close(true);
      await raw.close();
    });
    const inFlight = echo(p, "in flight");
    await raw.firstStreamArrived;
    const first = raw.sessions[0] as http2.ServerHttp2Session;
    first.goaway(http2.constants.NGHTTP2_NO_ERROR, 1); // stream 1 may finish
    await observed.until(() => observed.goaways === 1);
    assert.equal(await echo(p, "after goaway"), "after goaway");
    raw.release();
    assert.equal(await inFlight, "in flight");
    assert.equal(raw.sessions.length, 2, "a new session carried the new call");
    assert.equal(raw.streamsPerSession.get(first), 1, "nothing new went to the session that sent GOAWAY");
  });

  test(`${engine.name}: server.shutdown on one of two targets: its calls in flight finish, new calls go to the other target`, async (t) => {
    const slow = await countingServer(engine, { hold: (text) => text === "x" || text === "y" });
    const other = await countingServer(engine);
    const observed = observedConnector(engine);
    const p = pool([slow.url, other.url], observed.connector);
    t.after(async () => {
      p.close(true);
      await other.server.shutdown(100);
      await slow.server.shutdown(100);
    });
    // Bring both targets into rotation, then put a call in flight on each (the one on `slow` is held).
    await Promise.all([echo(p, "a"), echo(p, "b"), echo(p, "c"), echo(p, "d")]);
    assert.deepEqual(p.sessionCounts(), [1, 1]);
    const before = other.calls;
    const arrived = { slow: slow.arrived, other: other.arrived };
    const inFlight = [echo(p, "x"), echo(p, "y")];
    await Promise.all([slow.arrivals(arrived.slow + 1), other.arrivals(arrived.other + 1)]);
    const shutdown = slow.server.shutdown(5000);
    await observed.until(() => observed.goaways === 1);
    const after = await Promise.all(Array.from({ length: 10 }, (_, i) => echo(p, `after ${i}`)));
    assert.equal(after.length, 10);
    other.release();
    slow.release();
    assert.deepEqual(await Promise.all(inFlight), ["x", "y"]);
    assert.equal(other.calls - before, 10 + 1, "the new calls (and the in-flight one) went to the other target");
    await shutdown;
  });
}
