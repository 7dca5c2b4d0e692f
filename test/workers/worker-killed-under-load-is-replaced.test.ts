// SIGKILL a worker while calls run: the primary replaces it and the client's next calls succeed.
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { EchoService } from "../../src/services/echo.js";
import { isAlive, startWorkerServer, workerPids } from "./support/server-process.js";

test("a worker killed during load is replaced and the next calls succeed", { timeout: 60_000 }, async () => {
  const server = await startWorkerServer(["--workers", "2"]);
  const client = new GrpcClient(server.url, { connections: 4 });
  try {
    const [primary, victim] = workerPids(server);
    assert.equal(primary, server.child.pid, "the primary serves, its worker is the victim");
    assert.ok(victim, "a worker reported");
    let stop = false;
    let ok = 0;
    let failed = 0;
    const payload = new Uint8Array(16);
    const loop = async () => {
      while (!stop) {
        try {
          await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 2000 });
          ok++;
        } catch {
          failed++; // calls on the killed worker's connections may fail; that is what clients retry
        }
      }
    };
    const loops = Array.from({ length: 8 }, loop);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const okBeforeKill = ok;
    process.kill(victim, "SIGKILL");
    const replaced = await server.waitForLog((line) => line.msg === "replacement worker listening");
    const crashLog = server.logs.find((line) => line.msg === "worker exited unexpectedly: replacing it");
    assert.equal(crashLog?.workerPid, victim);
    assert.equal(crashLog?.signal, "SIGKILL");
    assert.ok(replaced.workerPid !== victim && typeof replaced.workerPid === "number" && isAlive(replaced.workerPid));
    await new Promise((resolve) => setTimeout(resolve, 300));
    stop = true;
    await Promise.all(loops);
    assert.ok(okBeforeKill > 0 && ok > okBeforeKill, `calls succeeded before (${okBeforeKill}) and after (${ok}) the kill; failed ${failed}`);
    // Fresh calls after the replacement all succeed.
    const replies = await Promise.all(Array.from({ length: 100 }, () => client.unary(EchoService.method.echo, { payload }, { timeoutMs: 2000 })));
    assert.equal(replies.length, 100);
  } finally {
    await client.close(true);
    server.child.kill("SIGTERM");
    assert.deepEqual(await server.exited, { code: 0, signal: null });
  }
});
