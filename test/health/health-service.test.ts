/**
 * grpc.health.v1.Health: Check for the server ("") and per service, NOT_FOUND for unknown services, List, Watch
 * updates (SERVICE_UNKNOWN first for an unknown service, without ending the call), NOT_SERVING when shutdown
 * begins. Runs on every engine.
 */
import assert from "node:assert/strict";
import { afterEach, describe, test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { Health, HealthCheckResponse_ServingStatus as Status } from "../../src/gen/grpc/health/v1/health_pb.js";
import { GrpcServer } from "../../src/server/server.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

const ECHO = "fastgrpc.echo.v1.EchoService";

for (const engine of ENGINES) {
  describe(`health service (engine ${engine.name})`, () => {
    let running: Running | undefined;
    afterEach(async () => {
      await running?.stop();
      running = undefined;
    });

    test("Check: the server, each added service, and NOT_FOUND for an unknown one", async () => {
      running = await startEcho(engine);
      const { client, server } = running;
      assert.equal((await client.unary(Health.method.check, { service: "" })).status, Status.SERVING);
      assert.equal((await client.unary(Health.method.check, { service: ECHO })).status, Status.SERVING);
      server.health.set(ECHO, "NOT_SERVING");
      assert.equal((await client.unary(Health.method.check, { service: ECHO })).status, Status.NOT_SERVING);
      await assert.rejects(client.unary(Health.method.check, { service: "no.such.Service" }), (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, Code.NOT_FOUND);
        return true;
      });
    });

    test("List: every known service with its status", async () => {
      running = await startEcho(engine);
      running.server.health.set("custom.Service", "NOT_SERVING");
      const { statuses } = await running.client.unary(Health.method.list, {});
      assert.deepEqual(
        Object.fromEntries(Object.entries(statuses).map(([name, response]) => [name, response.status])),
        { "": Status.SERVING, [ECHO]: Status.SERVING, "custom.Service": Status.NOT_SERVING },
      );
    });

    test("Watch: the current status at once, then each change; SERVICE_UNKNOWN keeps the call open", async () => {
      running = await startEcho(engine);
      const { client, server } = running;
      const watch = client.serverStream(Health.method.watch, { service: "later.Service" })[Symbol.asyncIterator]();
      assert.equal((await watch.next()).value?.status, Status.SERVICE_UNKNOWN);
      server.health.set("later.Service", "SERVING");
      assert.equal((await watch.next()).value?.status, Status.SERVING);
      server.health.set("later.Service", "SERVING"); // no change, no message
      server.health.set("later.Service", "NOT_SERVING");
      assert.equal((await watch.next()).value?.status, Status.NOT_SERVING);
      await watch.return?.();
    });

    test("shutdown: watchers get NOT_SERVING, then the call ends UNAVAILABLE, well before the grace period", async () => {
      running = await startEcho(engine);
      const { client, server } = running;
      const whole = client.serverStream(Health.method.watch, { service: "" })[Symbol.asyncIterator]();
      const echo = client.serverStream(Health.method.watch, { service: ECHO })[Symbol.asyncIterator]();
      assert.equal((await whole.next()).value?.status, Status.SERVING);
      assert.equal((await echo.next()).value?.status, Status.SERVING);
      const started = Date.now();
      const shutdown = server.shutdown(10_000);
      assert.equal((await whole.next()).value?.status, Status.NOT_SERVING);
      assert.equal((await echo.next()).value?.status, Status.NOT_SERVING);
      await assert.rejects(whole.next(), (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE);
      await shutdown;
      assert.ok(Date.now() - started < 5000, "Watch streams do not hold shutdown for the grace period");
      assert.equal(server.health.get(ECHO), Status.NOT_SERVING);
      server.health.set(ECHO, "SERVING");
      assert.equal(server.health.get(ECHO), Status.NOT_SERVING, "statuses are frozen once shutdown began");
    });

    test("health can be turned off", async () => {
      running = await startEcho(engine, { server: { health: false } });
      await assert.rejects(running.client.unary(Health.method.check, { service: "" }), (error: unknown) =>
        error instanceof GrpcError && error.code === Code.UNIMPLEMENTED);
    });
  });
}

test("a server without listeners still answers health from its registry", () => {
  const server = new GrpcServer();
  assert.equal(server.health.get(""), Status.SERVING);
  assert.equal(server.health.get("unknown"), undefined);
});
