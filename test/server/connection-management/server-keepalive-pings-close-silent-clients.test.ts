// Server keepalive (A9 / grpc-go ServerParameters.Time and Timeout) on both engines, time on a ManualClock: after
// timeMs without stream activity the server PINGs; an answered PING keeps the connection, an unanswered one closes
// it after timeoutMs; stream activity makes the PING unnecessary.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENGINES } from "../../support/engines.js";
import { F, ping, T, type Frame } from "../../h2/support/frames.js";
import { openStream, settle, withManagedPeer } from "./support/managed-server.js";

const isServerPing = (f: Frame): boolean => f.type === T.PING && (f.flags & F.ACK) === 0;

for (const engine of ENGINES) {
  describe(`server keepalive pings (${engine.name})`, () => {
    it("pings after timeMs; an answered PING keeps the connection and the next one follows timeMs later", async () => {
      await withManagedPeer(engine, { timeMs: 30_000, timeoutMs: 5_000 }, async (peer, managed) => {
        managed.clock.advance(29_999);
        await settle();
        assert.equal(peer.frames.some(isServerPing), false);
        managed.clock.advance(1);
        const first = await peer.next(isServerPing);
        peer.send(ping(Buffer.from(first.payload), true));
        await settle();
        managed.clock.advance(29_999);
        await settle();
        assert.equal(peer.closed, false, "the answered PING cancelled the timeout");
        assert.equal(peer.frames.filter(isServerPing).length, 1);
        managed.clock.advance(1);
        await peer.next(isServerPing);
      });
    });

    it("closes the connection when the PING is not answered within timeoutMs", async () => {
      await withManagedPeer(engine, { timeMs: 30_000, timeoutMs: 5_000 }, async (peer, managed) => {
        managed.clock.advance(30_000);
        await peer.next(isServerPing);
        managed.clock.advance(4_999);
        await settle();
        assert.equal(peer.closed, false);
        managed.clock.advance(1);
        await peer.waitClosed();
      });
    });

    it("a stream opening within timeMs postpones the PING", async () => {
      await withManagedPeer(engine, { timeMs: 30_000, timeoutMs: 5_000 }, async (peer, managed) => {
        managed.clock.advance(20_000);
        openStream(peer, 1);
        await settle();
        managed.clock.advance(10_000);
        await settle();
        assert.equal(peer.frames.some(isServerPing), false, "the client was active");
        managed.clock.advance(30_000);
        await peer.next(isServerPing);
      });
    });
  });
}
