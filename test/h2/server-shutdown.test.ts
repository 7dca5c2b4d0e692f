/** ServerEngine.shutdown(graceMs): the two-phase GOAWAY, then the grace period. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { F, grpcFrame, data, T } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";
import { startEchoServer } from "./support/echo-server.js";
import { requestHeaders, expectEchoResponse, echoRequest } from "./support/server-harness.js";

async function peerOn(port: number): Promise<RawPeer> {
  const p = await RawPeer.connect(port);
  await p.handshake();
  return p;
}

describe("graceful shutdown", () => {
  it("resolves at once without connections", async () => {
    const server = await startEchoServer();
    await server.engine.shutdown(10_000);
    await server.close();
  });

  it("sends GOAWAY(2^31-1) and a PING, then GOAWAY(last stream id) on the ack; in-flight calls finish", async () => {
    const server = await startEchoServer();
    const p = await peerOn(server.port);
    p.send(requestHeaders(p, 1), data(1, grpcFrame(Buffer.from("hi"))));
    await p.expectAlive();
    const done = server.engine.shutdown(5000);
    const g1 = await p.next((f) => f.type === T.GOAWAY);
    assert.equal(g1.payload.readUInt32BE(0), 2 ** 31 - 1);
    assert.equal(g1.payload.readUInt32BE(4), 0);
    const ping = await p.next((f) => f.type === T.PING && f.flags === 0);
    // A request that raced with the first GOAWAY is still served.
    p.send(echoRequest(p, 3, "racing"));
    await expectEchoResponse(p, 3, "racing");
    p.send(Buffer.concat([Buffer.from([0, 0, 8, T.PING, F.ACK, 0, 0, 0, 0]), ping.payload]));
    const g2 = await p.next((f) => f.type === T.GOAWAY);
    assert.equal(g2.payload.readUInt32BE(0), 3);
    // Streams above the final last-stream-id are ignored.
    p.send(echoRequest(p, 5));
    // The open call completes, then the connection closes and shutdown resolves.
    p.send(data(1, Buffer.alloc(0), F.END_STREAM));
    await expectEchoResponse(p, 1);
    await p.waitClosed();
    await done;
    assert.equal(p.frames.some((f) => f.streamId === 5), false);
    assert.equal(server.engine.connectionCount, 0);
    await server.close();
  });

  it("destroys connections whose calls outlast the grace period, cancelling the handlers", async () => {
    const server = await startEchoServer();
    const p = await peerOn(server.port);
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), data(1, grpcFrame(Buffer.from("x")), F.END_STREAM));
    await p.expectAlive();
    const t0 = Date.now();
    await server.engine.shutdown(300);
    assert.ok(Date.now() - t0 >= 290);
    await p.waitClosed();
    assert.equal(server.stats.cancels, 1);
    assert.equal(server.engine.connectionCount, 0);
    await server.close();
  });

  it("does not wait for a PING ack from a peer that stopped reading", async () => {
    const server = await startEchoServer({ shutdownPingTimeoutMs: 100 });
    const p = await peerOn(server.port);
    p.socket.pause(); // never acks the PING
    const t0 = Date.now();
    await server.engine.shutdown(10_000);
    // PING timeout (100 ms), final GOAWAY, end; a peer that never closes its side is destroyed after 2 s.
    assert.ok(Date.now() - t0 < 3000, `took ${Date.now() - t0} ms`);
    assert.equal(server.engine.connectionCount, 0);
    await server.close();
  });
});
