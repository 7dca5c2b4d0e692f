// Several targets: a target that is down is skipped (backing off) and used again once it answers.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { countingConnector, countingServer, echo, freePort, pool, sleep } from "./support/pool-harness.js";

test("a down target is skipped, and rejoins the round-robin when it comes back", async () => {
  const up = await countingServer();
  const downPort = await freePort();
  const { connector } = countingConnector();
  const p = pool([up.url, `tcp://127.0.0.1:${downPort}`], connector, { backoff: { initialMs: 50, multiplier: 2, maxMs: 200, jitter: 0.2 } });
  let later: Awaited<ReturnType<typeof countingServer>> | undefined;
  try {
    for (let i = 0; i < 20; i++) assert.equal(await echo(p, `call ${i}`), `call ${i}`);
    assert.equal(up.calls, 20, "every call went to the target that is up");
    later = await countingServer({ port: downPort });
    const deadline = Date.now() + 3000;
    while (later.calls === 0 && Date.now() < deadline) {
      await echo(p, "probe");
      await sleep(10);
    }
    assert.ok(later.calls > 0, "the recovered target takes calls again");
    const before = { up: up.calls, later: later.calls };
    for (let i = 0; i < 10; i++) await echo(p, "spread");
    assert.equal(up.calls - before.up, 5, "round-robin over both targets");
    assert.equal(later.calls - before.later, 5);
  } finally {
    p.close(true);
    await up.server.shutdown(100);
    await later?.server.shutdown(100);
  }
});

test("when every target is down, calls fail fast with UNAVAILABLE naming the target", async () => {
  const port = await freePort();
  const { connector } = countingConnector();
  const p = pool([`tcp://127.0.0.1:${port}`], connector, { backoff: { initialMs: 10_000 } });
  try {
    const check = (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE && error.rawMessage.includes(String(port));
    await assert.rejects(echo(p, "first"), check);
    const started = Date.now();
    await assert.rejects(echo(p, "while backing off"), check);
    assert.ok(Date.now() - started < 500, "no connect attempt while backing off");
  } finally {
    p.close(true);
  }
});
