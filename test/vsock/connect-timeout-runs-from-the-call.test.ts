/**
 * A vsock connect's timeout runs from the call, even when the event loop was busy before it: libuv's timers use the
 * loop's cached clock, stale after synchronous work, and a connect made after 4 s of work with a 3 s timeout used
 * to time out at once (seen in CI: 64 MiB of random test data prepared, then ETIMEDOUT). Runs in the test VM.
 */
import assert from "node:assert/strict";
import { before, describe, it } from "node:test";
import { type VsockAddon, vsockAddon } from "../../src/transport/vsock-native.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";

function busyFor(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // the loop's cached clock stands still meanwhile
  }
}

describe("vsock connect timeout", { skip: vsockVmSkip(), timeout: 120_000 }, () => {
  let addon: VsockAddon;
  before(() => {
    requireVsockVm();
    addon = vsockAddon();
  });

  it("runs from the call, not from the loop's last wake-up", async () => {
    const listenFd = addon.listen(addon.CID_ANY, addon.PORT_ANY, 8);
    const { port } = addon.sockName(listenFd);
    try {
      busyFor(4000);
      const fd = await new Promise<number>((resolve, reject) => {
        const pending = addon.connect(1, port, 3000, (error) => (error ? reject(error) : resolve(pending)));
      });
      assert.ok(Number.isInteger(fd) && fd >= 0, "a connected fd");
      addon.close(fd);
    } finally {
      addon.close(listenFd);
    }
  });
});
