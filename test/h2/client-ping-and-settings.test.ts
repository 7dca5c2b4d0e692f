/**
 * The optional ClientSession members the connection pool uses, on the fastgrpc engine: ping() (keepalive) answers
 * on the PING ACK or with the error that closed the session, onRemoteSettings fires when the server's SETTINGS
 * arrive, and a connection that fails reaches every open stream as onClose(null, error) (UNAVAILABLE upstream).
 */
import assert from "node:assert/strict";
import net from "node:net";
import { describe, it } from "node:test";
import { H2ClientEngine } from "../../src/engine/h2/index.js";
import { clientPair } from "./support/client-harness.js";
import { startCall } from "./support/client-call.js";
import { data, grpcFrame, ping, S, T } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";

describe("client ping()", () => {
  it("sends a PING and calls back with null on its ACK", async () => {
    const c = await clientPair();
    const answered = new Promise<Error | null>((resolve) => {
      assert.equal(c.session.ping?.(resolve), true);
    });
    const f = await c.server.next((x) => x.type === T.PING && (x.flags & 1) === 0);
    c.server.send(ping(Buffer.from(f.payload), true));
    assert.equal(await answered, null);
    c.dispose();
  });

  it("an ACK with another payload does not answer it; the session closing does, with an error", async () => {
    const c = await clientPair();
    let calls = 0;
    const answered = new Promise<Error | null>((resolve) => {
      c.session.ping?.((error) => { calls++; resolve(error); });
    });
    await c.server.next((x) => x.type === T.PING && (x.flags & 1) === 0);
    c.server.send(ping(Buffer.alloc(8, 1), true));
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(calls, 0);
    c.server.close();
    assert.ok((await answered) instanceof Error);
    assert.equal(calls, 1);
    assert.equal(c.session.ping?.(() => undefined), false, "no PING on a closed session");
    c.dispose();
  });
});

describe("client onRemoteSettings", () => {
  it("fires when the server's SETTINGS are applied", async () => {
    let accepted: (p: RawPeer) => void = () => {};
    const got = new Promise<RawPeer>((r) => (accepted = r));
    const srv = net.createServer((socket) => accepted(new RawPeer(socket, "server")));
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const socket = net.connect((srv.address() as net.AddressInfo).port, "127.0.0.1");
    let limitSeen = -1;
    const settingsSeen = new Promise<void>((resolve) => {
      const session = new H2ClientEngine().connect(socket, { authority: "test" }, {
        onRemoteSettings: () => { limitSeen = session.maxConcurrentStreams; resolve(); },
      });
    });
    const server = await got;
    await server.handshake([[S.MAX_CONCURRENT_STREAMS, 7]]);
    await settingsSeen;
    assert.equal(limitSeen, 7, "the new limit is visible when the event fires");
    server.close();
    srv.close();
    socket.destroy();
  });
});

describe("client streams on a failed connection", () => {
  it("a connection error reaches open streams as onClose(null, error)", async () => {
    const c = await clientPair();
    const { done } = startCall(c.session, "/a/b", [grpcFrame(Buffer.from("x"))], {}, false);
    await c.server.nextHeaders(1);
    c.server.send(data(0, Buffer.from("x"))); // DATA on stream 0: a connection error
    const r = await done;
    assert.equal(r.resetCode, null);
    assert.ok(r.error instanceof Error);
    c.dispose();
  });
});
