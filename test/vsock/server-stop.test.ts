/**
 * A vsock server that stops while a client is connected: the listener stops accepting, the established connection
 * keeps working until it is closed, and a client whose server goes away sees its session end. Runs in the test VM.
 */
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { Duplex } from "node:stream";
import { before, describe, it } from "node:test";
import { parseAddress } from "../../src/transport/address.js";
import { vsockTransport } from "../../src/transport/vsock.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";
import { once } from "./helpers.js";

const LISTEN = parseAddress("vsock://any:0", true);
/** Over vsock_loopback a connect to a port nobody listens on is reset; other vsock transports refuse it. */
const GONE = /^(ECONNRESET|ECONNREFUSED)$/;

describe("vsock server stopping with a client connected", { skip: vsockVmSkip(), timeout: 120_000 }, () => {
  before(requireVsockVm);

  it("closing the listener refuses new connects and leaves the established connection working", async () => {
    const accepted: Duplex[] = [];
    const listener = await vsockTransport.listen(LISTEN, (socket) => {
      accepted.push(socket);
      socket.on("data", (chunk: Buffer) => socket.write(chunk)); // echo
    });
    const target = parseAddress(listener.url.replace("any", "1"));
    const client = await vsockTransport.connect(target);
    await listener.close();

    await assert.rejects(vsockTransport.connect(target, { timeoutMs: 5000 }), (error: NodeJS.ErrnoException) => {
      assert.match(error.code ?? "", GONE);
      return true;
    });
    client.write("still here");
    const echo = await once<Buffer>(client, "data");
    assert.equal(echo.toString(), "still here");

    for (const socket of accepted) socket.destroy();
    await once(client, "close");
  });

  it("an http2 client sees its in-flight request fail and its session close when the server goes away", async () => {
    const server = http2.createServer();
    const sessions: http2.ServerHttp2Session[] = [];
    server.on("session", (session) => sessions.push(session));
    const arrived = new Promise<void>((resolve) => server.on("stream", () => resolve())); // never answered
    const listener = await vsockTransport.listen(LISTEN, (socket) => server.emit("connection", socket));
    const target = parseAddress(listener.url.replace("any", "1"));
    const socket = await vsockTransport.connect(target);
    const session = http2.connect("http://vsock.invalid", { createConnection: () => socket });
    session.on("error", () => undefined); // the reset may surface here too; the request's outcome is what we check
    const request = session.request({ ":method": "POST", ":path": "/slow" });
    request.end("x");
    let responded = false;
    request.on("response", () => {
      responded = true;
    });
    request.on("error", () => undefined); // how the stream ends is checked below
    request.resume();
    const requestClosed = once(request, "close");
    await arrived;

    await listener.close();
    for (const serverSession of sessions) serverSession.destroy();
    const closed = once(session, "close");

    await requestClosed;
    assert.equal(responded, false, "a response arrived although the server never answered");
    assert.notEqual(request.rstCode, http2.constants.NGHTTP2_NO_ERROR, `stream closed with rstCode ${request.rstCode}`);
    await closed;
    assert.equal(session.destroyed, true);
    await assert.rejects(vsockTransport.connect(target, { timeoutMs: 5000 }), { code: GONE });
  });
});
