// Interop with @grpc/grpc-js, both ways, on both engines. grpc-js runs on the wall clock, so these tests take real
// (short) time: a grpc-js server with grpc.max_connection_age_ms sends GOAWAY every ~300 ms while our client keeps
// calling, and every call succeeds; a grpc-js client with keepalive settings is tolerated by a server that permits
// them and told too_many_pings (and keeps working) by one that does not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import * as grpc from "@grpc/grpc-js";
import { GrpcServer } from "../../../src/server/server.js";
import { createEchoService, EchoService } from "../../../src/services/echo.js";
import { silentLogger } from "../../../src/log/logger.js";
import { ENGINES } from "../../support/engines.js";
import { capturingLogger } from "../../support/capturing-logger.js";
import { observedConnector } from "../../pool/support/pool-harness.js";
import { GrpcClient } from "../../../src/client/client.js";

const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";
const identity = (bytes: Buffer): Buffer => bytes;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A grpc-js server echoing the request bytes (an EchoRequest's encoding is a valid EchoResponse). */
async function grpcJsEchoServer(options: grpc.ServerOptions): Promise<{ url: string; stop(): void }> {
  const server = new grpc.Server(options);
  server.addService({
    Echo: {
      path: ECHO_PATH, requestStream: false, responseStream: false,
      requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity,
    },
  }, { Echo: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, call.request) });
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
  });
  return { url: `tcp://127.0.0.1:${port}`, stop: () => server.forceShutdown() };
}

function grpcJsCall(client: grpc.Client, payload: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(ECHO_PATH, identity, identity, payload, { deadline: Date.now() + 5000 }, (error, reply) => {
      if (error) reject(error);
      else resolve(reply ?? Buffer.alloc(0));
    });
  });
}

/** An EchoRequest with a 2-byte payload (field 1, length 2). */
const REQUEST = Buffer.from([0x0a, 0x02, 0x68, 0x69]);

for (const engine of ENGINES) {
  describe(`connection management interop with grpc-js (${engine.name})`, () => {
    it("our client's calls all succeed across a grpc-js server's max_connection_age GOAWAYs", async (t) => {
      const server = await grpcJsEchoServer({ "grpc.max_connection_age_ms": 300, "grpc.max_connection_age_grace_ms": 5000 });
      const observed = observedConnector(engine);
      // GrpcClient, not the bare pool: a call that crosses a GOAWAY is refused (REFUSED_STREAM, never processed)
      // and the client resends it on another connection without the caller seeing it (docs/fleet.md).
      const client = new GrpcClient(server.url, { engine: engine.client, connector: observed.connector });
      t.after(async () => {
        await client.close(true);
        server.stop();
      });
      const started = Date.now();
      let calls = 0;
      while (Date.now() - started < 1500) {
        const batch = await Promise.all(Array.from({ length: 4 }, (_, i) =>
          client.unary(EchoService.method.echo, { payload: Buffer.from(`call ${calls + i}`) }).then((reply) => Buffer.from(reply.payload).toString())));
        batch.forEach((text, i) => assert.equal(text, `call ${calls + i}`));
        calls += batch.length;
        await sleep(10);
      }
      const stats = client.retryStats();
      t.diagnostic(`${calls} calls, ${stats.transparentRetries} resent after a GOAWAY race, ${observed.goaways} GOAWAYs`);
      assert.ok(observed.goaways >= 2, `GOAWAYs seen: ${observed.goaways}`);
      assert.ok((observed.opened.get(server.url) ?? 0) >= 3, `sessions opened: ${observed.opened.get(server.url)}`);
    });

    it("a grpc-js client pinging every 100 ms is tolerated by a server that permits it", async (t) => {
      const { log, records } = capturingLogger();
      const server = new GrpcServer({ log, engine: engine.server, keepalive: { minPingIntervalMs: 50, permitWithoutStream: true } });
      server.addService(EchoService, createEchoService(silentLogger()));
      const { url } = await server.listen("tcp://127.0.0.1:0");
      const client = new grpc.Client(url.replace("tcp://", ""), grpc.credentials.createInsecure(), {
        "grpc.keepalive_time_ms": 100, "grpc.keepalive_timeout_ms": 1000, "grpc.keepalive_permit_without_calls": 1,
      });
      t.after(async () => {
        client.close();
        await server.shutdown(500);
      });
      await grpcJsCall(client, REQUEST);
      await sleep(800);
      assert.deepEqual(await grpcJsCall(client, REQUEST), Buffer.from([0x0a, 0x02, 0x68, 0x69]));
      assert.equal(records.filter((r) => r.action === "too_many_pings").length, 0);
    });

    it("a grpc-js client pinging too often is told too_many_pings and its calls still succeed", async (t) => {
      const { log, records } = capturingLogger();
      const server = new GrpcServer({ log, engine: engine.server, keepalive: { minPingIntervalMs: 60_000 } });
      server.addService(EchoService, createEchoService(silentLogger()));
      const { url } = await server.listen("tcp://127.0.0.1:0");
      const client = new grpc.Client(url.replace("tcp://", ""), grpc.credentials.createInsecure(), {
        "grpc.keepalive_time_ms": 50, "grpc.keepalive_timeout_ms": 1000, "grpc.keepalive_permit_without_calls": 1,
      });
      t.after(async () => {
        client.close();
        await server.shutdown(500);
      });
      await grpcJsCall(client, REQUEST);
      const deadline = Date.now() + 3000;
      while (records.every((r) => r.action !== "too_many_pings") && Date.now() < deadline) await sleep(20);
      assert.ok(records.some((r) => r.action === "too_many_pings"), "the server sent too_many_pings");
      // Calls in flight on the connection that is closed fail (grpc-js: RESOURCE_EXHAUSTED); new ones reconnect.
      await sleep(100);
      assert.deepEqual(await grpcJsCall(client, REQUEST), REQUEST);
    });
  });
}
