// Keepalive enforcement (A9 / grpc-go EnforcementPolicy) on both engines: PINGs closer together than the minimum
// interval are strikes; the PING after two strikes gets GOAWAY(ENHANCE_YOUR_CALM, "too_many_pings") and the
// connection closes. Permitted PINGs, spaced by the (fake) clock, keep it open.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENGINES } from "../../support/engines.js";
import { E, ping, T } from "../../h2/support/frames.js";
import { goawayCode, goawayDebug, isGoaway, openStream, settle, withManagedPeer } from "./support/managed-server.js";

for (const engine of ENGINES) {
  describe(`ping enforcement (${engine.name})`, () => {
    it("the fourth PING in a row without streams gets GOAWAY ENHANCE_YOUR_CALM too_many_pings, then the close", async () => {
      await withManagedPeer(engine, { minPingIntervalMs: 60_000 }, async (peer) => {
        for (let i = 0; i < 4; i++) peer.send(ping(Buffer.from(`ping000${i}`)));
        const goaway = await peer.next(isGoaway);
        assert.equal(goawayCode(goaway), E.ENHANCE_YOUR_CALM);
        assert.equal(goawayDebug(goaway), "too_many_pings");
        await peer.waitClosed();
      });
    });

    it("three PINGs (two strikes) are tolerated", async () => {
      await withManagedPeer(engine, { minPingIntervalMs: 60_000 }, async (peer) => {
        for (let i = 0; i < 3; i++) peer.send(ping(Buffer.from(`ping000${i}`)));
        await peer.until((frames) => frames.filter((f) => f.type === T.PING).length === 3);
        await settle();
        assert.equal(peer.frames.some(isGoaway), false, "two strikes are allowed");
        assert.equal(peer.closed, false);
      });
    });

    it("PINGs spaced by the minimum interval while a stream is open are never strikes", async () => {
      await withManagedPeer(engine, { minPingIntervalMs: 10_000 }, async (peer, managed) => {
        openStream(peer, 1);
        await settle();
        for (let i = 0; i < 6; i++) {
          await peer.expectAlive();
          managed.clock.advance(10_000);
        }
        assert.equal(peer.frames.some(isGoaway), false);
      });
    });

    it("permitWithoutStream with no minimum lets a client ping an idle connection as often as it likes", async () => {
      await withManagedPeer(engine, { minPingIntervalMs: 0, permitWithoutStream: true }, async (peer) => {
        for (let i = 0; i < 8; i++) await peer.expectAlive();
        assert.equal(peer.frames.some(isGoaway), false);
        assert.equal(peer.frames.filter((f) => f.type === T.PING).length, 8);
      });
    });
  });
}
