// SIGTERM to the primary: it and every worker drain (GOAWAY, calls in flight finish) and the primary exits 0.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { CryptoService, KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { isAlive, startWorkerServer, workerPids } from "./support/server-process.js";

test("SIGTERM drains the primary and every worker, lets calls in flight finish, and the primary exits 0", { timeout: 60_000 }, async () => {
  const server = await startWorkerServer(["--workers", "3", "--grace-ms", "5000"]);
  const client = new GrpcClient(server.url, { connections: 4 });
  try {
    const pids = workerPids(server);
    assert.equal(pids.length, 3, "the primary and two workers serve");
    const workers = pids.filter((pid) => pid !== server.child.pid);
    assert.equal(workers.length, 2);
    const data = new Uint8Array(64);
    await client.unary(CryptoService.method.sign, { keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PKCS1_SHA256, data });
    // A few hundred RSA signatures keep the processes busy while the signal arrives.
    const inFlight = Array.from({ length: 400 }, () =>
      client.unary(CryptoService.method.sign, { keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PKCS1_SHA256, data }, { timeoutMs: 20_000 }));
    await new Promise((resolve) => setTimeout(resolve, 30));
    server.child.kill("SIGTERM");
    const results = await Promise.allSettled(inFlight);
    const exit = await server.exited;
    assert.deepEqual(exit, { code: 0, signal: null });
    const rejected = results.filter((r) => r.status === "rejected");
    // Calls the server had accepted finish; calls the client had not yet sent may be refused as the connections go.
    const ok = results.length - rejected.length;
    assert.ok(ok > 0, "calls in flight finished during the drain");
    for (const r of rejected) assert.match(String((r as PromiseRejectedResult).reason), /UNAVAILABLE|shutting down|closed/i);
    const draining = server.logs.filter((line) => line.msg === "worker draining").map((line) => line.pid);
    assert.deepEqual(draining.sort(), [...workers].sort(), "both workers drained");
    assert.ok(server.logs.some((line) => line.msg === "shutting down" && line.pid === server.child.pid), "the primary drained");
    assert.ok(server.logs.some((line) => line.msg === "stopped" && line.exitCode === 0));
    for (const pid of pids) assert.ok(!isAlive(pid), `worker ${pid} is gone`);
  } finally {
    await client.close(true);
    if (server.child.exitCode === null) server.child.kill("SIGKILL");
  }
});
