/**
 * The server's DATA follows the peer's SETTINGS: frames as large as its SETTINGS_MAX_FRAME_SIZE (16 KiB to 16 MiB)
 * and never larger, and a SETTINGS_INITIAL_WINDOW_SIZE changed in the middle of a response moves the stream's
 * window up or down (below zero) at once (RFC 9113 6.9.2).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { data, F, grpcFrame, S, settings, T, windowUpdate } from "./support/frames.js";
import type { RawPeer } from "./support/raw-peer.js";
import { requestHeaders, serverHarness } from "./support/server-harness.js";

function dataBytes(p: RawPeer, sid: number): number {
  return p.frames.filter((f) => f.type === T.DATA && f.streamId === sid).reduce((n, f) => n + f.payload.length, 0);
}

describe("DATA frames at the peer's SETTINGS_MAX_FRAME_SIZE", () => {
  const h = serverHarness();
  const MESSAGE = 3 * 1024 * 1024;

  for (const size of [16384, 65536, 1 << 20, 16777215]) {
    it(`a peer allowing ${size}-byte frames gets frames of exactly that size, the last one shorter`, async () => {
      const p = await h.peer([[S.MAX_FRAME_SIZE, size], [S.INITIAL_WINDOW_SIZE, 2 ** 31 - 1]]);
      p.send(windowUpdate(0, 2 ** 31 - 1 - 65535));
      p.send(requestHeaders(p, 1, `/test.Echo/Big?n=${MESSAGE}`), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
      await p.next((f) => f.type === T.HEADERS && f.streamId === 1 && (f.flags & F.END_STREAM) !== 0, 10_000);
      const sizes = p.frames.filter((f) => f.type === T.DATA && f.streamId === 1).map((f) => f.payload.length);
      const total = MESSAGE + 5;
      const expected = Array.from({ length: Math.ceil(total / size) }, (_, i) => Math.min(size, total - i * size));
      assert.deepEqual(sizes, expected);
      p.close();
    });
  }
});

describe("SETTINGS_INITIAL_WINDOW_SIZE changed mid-response", () => {
  const h = serverHarness();

  it("raising it sends more at once; lowering it below what was sent stops DATA until WINDOW_UPDATE covers the debt", async () => {
    const p = await h.peer([[S.INITIAL_WINDOW_SIZE, 1000]]);
    p.send(windowUpdate(0, 1 << 20));
    p.send(requestHeaders(p, 1, "/test.Echo/Big?n=20000"), data(1, grpcFrame(Buffer.alloc(0)), F.END_STREAM));
    await p.until(() => dataBytes(p, 1) === 1000);
    p.send(settings([[S.INITIAL_WINDOW_SIZE, 5000]]));
    await p.until(() => dataBytes(p, 1) === 5000);
    p.send(settings([[S.INITIAL_WINDOW_SIZE, 2000]])); // the window is now 2000 - 5000 = -3000
    p.send(windowUpdate(1, 3000)); // back to 0: still nothing may be sent
    await p.expectAlive();
    await sleep(50);
    assert.equal(dataBytes(p, 1), 5000);
    p.send(windowUpdate(1, 7000));
    await p.until(() => dataBytes(p, 1) === 12000);
    p.send(settings([[S.INITIAL_WINDOW_SIZE, 2 ** 20]]));
    await p.next((f) => f.type === T.HEADERS && f.streamId === 1 && (f.flags & F.END_STREAM) !== 0);
    assert.equal(dataBytes(p, 1), 20005);
    p.close();
  });
});
