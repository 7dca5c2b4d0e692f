// Max connection idle, max connection age (±10% jitter) and age grace (A9) on both engines, time on a ManualClock:
// a GOAWAY(NO_ERROR) when the limit is reached, open calls finish, and after the grace the connection is closed.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ENGINES } from "../../support/engines.js";
import { data, E, F } from "../../h2/support/frames.js";
import { goawayCode, isGoaway, openStream, settle, withManagedPeer } from "./support/managed-server.js";

for (const engine of ENGINES) {
  describe(`connection age and idle (${engine.name})`, () => {
    it("maxConnectionAgeMs: GOAWAY(NO_ERROR) at the jittered age (random 0 = -10%), not before", async () => {
      await withManagedPeer(engine, { maxConnectionAgeMs: 10_000 }, async (peer, managed) => {
        managed.clock.advance(8_999);
        await settle();
        assert.equal(peer.frames.some(isGoaway), false, "not before age - 10%");
        managed.clock.advance(1);
        const goaway = await peer.next(isGoaway);
        assert.equal(goawayCode(goaway), E.NO_ERROR);
      }, [0]);
    });

    it("the age is jittered up to +10% (random 0.999...)", async () => {
      await withManagedPeer(engine, { maxConnectionAgeMs: 10_000 }, async (peer, managed) => {
        managed.clock.advance(10_990);
        await settle();
        assert.equal(peer.frames.some(isGoaway), false);
        managed.clock.advance(10);
        await peer.next(isGoaway);
      }, [0.9999]);
    });

    it("an open call outlives the age GOAWAY and is closed when the grace is over", async () => {
      await withManagedPeer(engine, { maxConnectionAgeMs: 1_000, maxConnectionAgeGraceMs: 5_000 }, async (peer, managed) => {
        openStream(peer, 1);
        await settle();
        managed.clock.advance(1_000);
        await peer.next(isGoaway);
        await settle();
        assert.equal(peer.closed, false, "the call may still finish during the grace");
        managed.clock.advance(4_999);
        await settle();
        assert.equal(peer.closed, false);
        managed.clock.advance(1);
        await peer.waitClosed();
      });
    });

    it("an open call that finishes within the grace gets its answer, then the connection closes", async () => {
      await withManagedPeer(engine, { maxConnectionAgeMs: 1_000, maxConnectionAgeGraceMs: 60_000 }, async (peer, managed) => {
        openStream(peer, 1);
        await settle();
        managed.clock.advance(1_000);
        await peer.next(isGoaway);
        peer.send(data(1, Buffer.from([0, 0, 0, 0, 0]), F.END_STREAM)); // an empty EchoRequest
        const answer = await peer.nextHeaders(1);
        assert.ok(answer.fields.some(([name, value]) => name === ":status" && value === "200"));
        const trailers = await peer.nextHeaders(1);
        assert.ok(trailers.fields.some(([name, value]) => name === "grpc-status" && value === "0"), JSON.stringify(trailers.fields));
        await peer.waitClosed();
      });
    });

    it("maxConnectionIdleMs: GOAWAY once no stream was open for that long; an open stream holds it off", async () => {
      await withManagedPeer(engine, { maxConnectionIdleMs: 5_000 }, async (peer, managed) => {
        openStream(peer, 1);
        await settle();
        managed.clock.advance(20_000);
        await settle();
        assert.equal(peer.frames.some(isGoaway), false, "a connection with an open stream is not idle");
        peer.send(data(1, Buffer.from([0, 0, 0, 0, 0]), F.END_STREAM));
        await peer.nextHeaders(1);
        await peer.nextHeaders(1);
        await settle();
        managed.clock.advance(4_999);
        await settle();
        assert.equal(peer.frames.some(isGoaway), false);
        managed.clock.advance(1);
        const goaway = await peer.next(isGoaway);
        assert.equal(goawayCode(goaway), E.NO_ERROR);
      });
    });
  });
}
