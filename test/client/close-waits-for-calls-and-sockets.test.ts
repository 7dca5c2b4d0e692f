/**
 * `await client.close()` waits for the calls in flight (they finish normally) and for the sockets to close;
 * `close(true)` fails the calls in flight at once and still resolves only once the sockets are closed. Every engine.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { once } from "node:events";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcClient } from "../../src/client/client.js";
import type { Connector } from "../../src/client/connector.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { GrpcServer } from "../../src/server/server.js";
import { EchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { ENGINES, type EngineUnderTest } from "../support/engines.js";

/** The standard TCP connect + engine handshake, keeping the sockets so the test can check they closed. */
function recordingConnector(engine: EngineUnderTest, sockets: net.Socket[]): Connector {
  return async ({ address, events }) => {
    if (address.scheme !== "tcp") throw new TypeError("tcp only");
    const socket = net.connect({ host: address.host, port: address.port, noDelay: true });
    await once(socket, "connect");
    sockets.push(socket);
    return engine.client.connect(socket, { authority: `${address.host}:${address.port}` }, events);
  };
}

for (const engine of ENGINES) {
  describe(`client.close (engine ${engine.name})`, () => {
    let server: GrpcServer;
    let url: string;
    before(async () => {
      server = new GrpcServer({ log: silentLogger(), engine: engine.server });
      server.addService(EchoService, {
        async echo(request) {
          await sleep(Number(Buffer.from(request.payload).toString()));
          return { payload: request.payload };
        },
      });
      url = (await server.listen("tcp://127.0.0.1:0")).url;
    });
    after(() => server.shutdown(500));

    test("close() lets the calls in flight finish, then resolves with every socket closed", async () => {
      const sockets: net.Socket[] = [];
      const client = new GrpcClient(url, { engine: engine.client, connector: recordingConnector(engine, sockets) });
      await client.unary(EchoService.method.echo, { payload: Buffer.from("0") });
      const slow = client.unary(EchoService.method.echo, { payload: Buffer.from("150") });
      await sleep(20); // the call is on the wire
      let callDone = false;
      void slow.then(() => { callDone = true; }, () => { callDone = true; });
      await client.close();
      assert.equal(callDone, true, "close resolved only after the call in flight");
      assert.equal(Buffer.from((await slow).payload).toString(), "150");
      assert.ok(sockets.length > 0);
      for (const socket of sockets) assert.ok(socket.destroyed, "the socket is closed when close() resolves");
    });

    test("close(true) fails the calls in flight and resolves with the sockets closed", async () => {
      const sockets: net.Socket[] = [];
      const client = new GrpcClient(url, { engine: engine.client, connector: recordingConnector(engine, sockets) });
      await client.unary(EchoService.method.echo, { payload: Buffer.from("0") });
      const outcome = client.unary(EchoService.method.echo, { payload: Buffer.from("2000") }).then(() => "answered", (error: unknown) => error);
      await sleep(20);
      const started = Date.now();
      await client.close(true);
      assert.ok(Date.now() - started < 1500, "a forced close does not wait for the call");
      assert.ok((await outcome) instanceof GrpcError, "the call in flight failed");
      for (const socket of sockets) assert.ok(socket.destroyed);
    });

    test("close() on a client that never connected resolves at once", async () => {
      const client = new GrpcClient(url, { engine: engine.client });
      await client.close();
    });
  });
}
