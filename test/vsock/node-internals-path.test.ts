/**
 * Proves, on the pinned Node major, the Node-internals path vsock depends on (src/transport/vsock-handle.ts): a vsock
 * fd wrapped in a libuv Pipe handle is a native net.Socket that carries data both ways. Runs in the test VM.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import net from "node:net";
import type { Duplex } from "node:stream";
import { before, describe, it } from "node:test";
import { parseAddress } from "../../src/transport/address.js";
import type { PeerInfo } from "../../src/transport/types.js";
import { vsockTransport } from "../../src/transport/vsock.js";
import { pipeSource } from "../../src/transport/vsock-handle.js";
import { vsockAddon } from "../../src/transport/vsock-native.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";
import { fdOf, hashAll, once, sha256 } from "./helpers.js";

const MiB = 1024 * 1024;

describe("vsock fds as native libuv streams", { skip: vsockVmSkip(), timeout: 300_000 }, () => {
  before(requireVsockVm);

  it("gets the Pipe constructor from a net.Server handle, not the deprecated process.binding", () => {
    assert.equal(pipeSource(), "unix-server");
  });

  it("still needs the Pipe path: net.Socket({ fd }) rejects a vsock fd", async () => {
    const addon = vsockAddon();
    const listenFd = addon.listen(addon.CID_ANY, addon.PORT_ANY, 8);
    const { port } = addon.sockName(listenFd);
    const fd = await new Promise<number>((resolve, reject) => {
      const pending = addon.connect(1, port, 5000, (error) => (error ? reject(error) : resolve(pending)));
    });
    try {
      assert.throws(() => new net.Socket({ fd }), { code: "ERR_INVALID_FD_TYPE" });
    } finally {
      addon.close(fd);
      addon.close(listenFd);
    }
  });

  it("carries 64 MiB each way with half-close, checked by sha256, and labels the peer vsock:CID:PORT", { timeout: 300_000 }, async () => {
    const toServer = randomBytes(64 * MiB);
    const toClient = randomBytes(64 * MiB);
    let peer: PeerInfo | undefined;
    let serverDone: (result: { sha256: string; bytes: number }) => void = () => undefined;
    let serverFailed: (error: unknown) => void = () => undefined;
    const serverGot = new Promise<{ sha256: string; bytes: number }>((resolve, reject) => {
      serverDone = resolve;
      serverFailed = reject;
    });
    const listener = await vsockTransport.listen(parseAddress("vsock://any:0", true), (socket: Duplex, info) => {
      peer = info;
      hashAll(socket).then(serverDone, serverFailed);
      // answer in the 'end' event itself: the client half-closed, and (allowHalfOpen being false, as for TCP)
      // the socket ends its own side on the next tick
      socket.once("end", () => socket.end(toClient));
    });
    const started = process.hrtime.bigint();
    const client = await vsockTransport.connect(parseAddress(listener.url.replace("any", "1")), { timeoutMs: 10_000 });
    assert.ok(client instanceof net.Socket);
    const local = vsockAddon().sockName(fdOf(client));
    const clientGot = hashAll(client);
    client.end(toServer);
    const [atServer, atClient] = await Promise.all([serverGot, clientGot]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    await listener.close();
    assert.deepEqual(atServer, { sha256: sha256(toServer), bytes: toServer.length });
    assert.deepEqual(atClient, { sha256: sha256(toClient), bytes: toClient.length });
    // over vsock_loopback the server sees the client as CID 1 (the client's own sockname says CID_ANY); handlers
    // read the CID and port as fields too (ctx.peer.cid)
    assert.deepEqual(peer, { transport: "vsock", label: `vsock:1:${local.port}`, cid: 1, port: local.port });
    console.log(`# 64 MiB each way in ${seconds.toFixed(2)} s (${((128 / seconds) | 0)} MiB/s total; under TCG this says nothing about real speed)`);
    await once(client, "close");
  });
});
