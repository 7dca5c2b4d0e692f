/**
 * node:http2 runs unchanged over vsock sockets: the server is fed with emit('connection'), the client connects with
 * createConnection. Runs in the test VM.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import http2 from "node:http2";
import type { Duplex } from "node:stream";
import { after, before, describe, it } from "node:test";
import { parseAddress } from "../../src/transport/address.js";
import type { Listener } from "../../src/transport/types.js";
import { vsockTransport } from "../../src/transport/vsock.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";
import { once, readAll } from "./helpers.js";

/** POSTs `body` to `path` and resolves with the response status, x-path header and body. */
async function post(session: http2.ClientHttp2Session, path: string, body: Buffer) {
  const request = session.request({ ":method": "POST", ":path": path });
  request.end(body);
  const headers = await once<http2.IncomingHttpHeaders>(request, "response");
  const data = await readAll(request);
  return { status: headers[":status"], path: headers["x-path"], body: data };
}

describe("node:http2 over vsock", { skip: vsockVmSkip(), timeout: 180_000 }, () => {
  let server: http2.Http2Server;
  let listener: Listener;
  const sockets = new Set<Duplex>();

  before(async () => {
    requireVsockVm();
    server = http2.createServer();
    server.on("stream", (stream, headers) => {
      readAll(stream).then(
        (body) => {
          stream.respond({ ":status": 200, "x-path": String(headers[":path"]) });
          stream.end(body);
        },
        () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR),
      );
    });
    listener = await vsockTransport.listen(parseAddress("vsock://any:0", true), (socket) => {
      sockets.add(socket);
      socket.once("close", () => sockets.delete(socket));
      server.emit("connection", socket);
    });
  });

  after(async () => {
    await listener.close();
    for (const socket of sockets) socket.destroy();
  });

  it("answers 20 concurrent streams and echoes a 1 MiB body on one session", async () => {
    const socket = await vsockTransport.connect(parseAddress(listener.url.replace("any", "1")));
    const session = http2.connect("http://vsock.invalid", { createConnection: () => socket });
    try {
      const small = await Promise.all(
        Array.from({ length: 20 }, (_, i) => post(session, `/echo/${i}`, Buffer.from(`message ${i}`))),
      );
      small.forEach((response, i) => {
        assert.equal(response.status, 200);
        assert.equal(response.path, `/echo/${i}`);
        assert.equal(response.body.toString(), `message ${i}`);
      });
      const big = randomBytes(1024 * 1024);
      const response = await post(session, "/big", big);
      assert.ok(response.body.equals(big), "1 MiB echo differs");
    } finally {
      session.close();
      await once(session, "close");
    }
  });
});
