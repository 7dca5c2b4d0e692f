/**
 * The addon reports every failure as an Error with .code = errno name and never crashes (runs in the test VM).
 */
import assert from "node:assert/strict";
import { closeSync, openSync } from "node:fs";
import { before, describe, it } from "node:test";
import { parseAddress } from "../../src/transport/address.js";
import { vsockTransport } from "../../src/transport/vsock.js";
import { type VsockAddon, vsockAddon, vsockAvailable } from "../../src/transport/vsock-native.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";

interface SystemError extends Error {
  code?: string;
  errno?: number;
  syscall?: string;
}

/** Over vsock_loopback a connect to a port nobody listens on is reset (ECONNRESET); other transports refuse. */
const NOBODY_LISTENS = ["ECONNRESET", "ECONNREFUSED"];

function connectWithAddon(addon: VsockAddon, cid: number, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const fd = addon.connect(cid, port, 5000, (error) => (error ? reject(error) : resolve(fd)));
  });
}

describe("vsock addon errors", { skip: vsockVmSkip(), timeout: 120_000 }, () => {
  let addon: VsockAddon;
  before(() => {
    requireVsockVm();
    addon = vsockAddon();
  });

  it("reports vsock as available inside the VM", () => {
    assert.deepEqual(vsockAvailable(), { available: true });
  });

  it("reads the local CID with the ioctl (1 = VMADDR_CID_LOCAL: this guest has only vsock_loopback)", () => {
    assert.equal(addon.localCid(), 1);
  });

  it("connect to a port nobody listens on fails with an errno-coded Error, from the addon and the transport", async () => {
    const fromAddon: SystemError = await connectWithAddon(addon, 1, 45001).then(
      () => assert.fail("connected to a port nobody listens on"),
      (error: SystemError) => error,
    );
    assert.ok(fromAddon instanceof Error);
    assert.ok(NOBODY_LISTENS.includes(fromAddon.code ?? ""), `code ${fromAddon.code}`);
    assert.equal(fromAddon.syscall, "connect");
    assert.ok((fromAddon.errno ?? 0) < 0);
    assert.match(fromAddon.message, /vsock:1:45001/);

    const fromTransport: SystemError = await vsockTransport.connect(parseAddress("vsock://1:45002")).then(
      () => assert.fail("connected to a port nobody listens on"),
      (error: SystemError) => error,
    );
    assert.ok(NOBODY_LISTENS.includes(fromTransport.code ?? ""), `code ${fromTransport.code}`);
  });

  it("connect to a CID nobody has (the host, CID 2: no host transport in this guest) fails with a coded error", async () => {
    const error: SystemError = await vsockTransport.connect(parseAddress("vsock://2:45003"), { timeoutMs: 3000 }).then(
      () => assert.fail("connected to CID 2"),
      (failure: SystemError) => failure,
    );
    assert.match(error.code ?? "", /^E[A-Z]+$/);
    assert.equal(error.syscall, "connect");
  });

  it("listening twice on one port fails with EADDRINUSE, from the addon and the transport", async () => {
    const listener = await vsockTransport.listen(parseAddress("vsock://any:0", true), (socket) => socket.destroy());
    try {
      const port = listener.address.scheme === "vsock" ? listener.address.port : -1;
      assert.throws(() => addon.listen(addon.CID_ANY, port, 8), { code: "EADDRINUSE", syscall: "bind" });
      await assert.rejects(
        vsockTransport.listen(parseAddress(`vsock://any:${port}`, true), (socket) => socket.destroy()),
        { code: "EADDRINUSE" },
      );
    } finally {
      await listener.close();
    }
  });

  it("port 0 listens on an ephemeral port, shown in Listener.url", async () => {
    const listener = await vsockTransport.listen(parseAddress("vsock://any:0", true), (socket) => socket.destroy());
    try {
      assert.equal(listener.address.scheme, "vsock");
      const port = listener.address.scheme === "vsock" ? listener.address.port : 0;
      assert.ok(port > 1023 && port < 0xffffffff, `ephemeral port ${port}`);
      assert.equal(listener.url, `vsock://any:${port}`);
    } finally {
      await listener.close();
    }
  });

  it("an AbortSignal cancels a pending connect (ABORT_ERR) and an aborted one never starts", async () => {
    const listener = await vsockTransport.listen(parseAddress("vsock://any:0", true), (socket) => socket.destroy());
    try {
      const controller = new AbortController();
      const pending = vsockTransport.connect(parseAddress(listener.url.replace("any", "1")), { signal: controller.signal });
      controller.abort(); // same tick: the addon's connect is still in flight
      await assert.rejects(pending, { code: "ABORT_ERR" });
      await assert.rejects(vsockTransport.connect(parseAddress("vsock://1:45004"), { signal: AbortSignal.abort() }), {
        code: "ABORT_ERR",
      });
      assert.equal(addon.cancelConnect(123456), false);
    } finally {
      await listener.close();
    }
  });

  it("bad arguments throw TypeErrors and bad fds errno-coded Errors, never a crash", () => {
    const loose = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
    assert.throws(() => loose.listen?.("1", 2, 3), TypeError);
    assert.throws(() => loose.listen?.(-1, 2, 3), TypeError);
    assert.throws(() => loose.connect?.(1, 2, 3), TypeError);
    assert.throws(() => loose.connect?.(1, 2.5, 3, () => undefined), TypeError);
    assert.throws(() => loose.sockName?.(), TypeError);
    assert.throws(() => addon.close(1_000_000), { code: "EBADF" });
    const file = openSync("/proc/self/cmdline", "r");
    try {
      assert.throws(() => addon.peerName(file), { code: "ENOTSOCK", syscall: "getpeername" });
    } finally {
      closeSync(file);
    }
  });
});
