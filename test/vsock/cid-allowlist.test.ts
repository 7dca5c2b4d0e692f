/**
 * --allow-cid inside the test VM: every connection there comes from CID 1 (VMADDR_CID_LOCAL, vsock_loopback).
 * A listener that allows CID 1 serves it; one that allows only other CIDs closes the connection before any HTTP/2
 * byte (the client sees the socket close without a SETTINGS frame) and logs the refusal at warn.
 */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { before, describe, test } from "node:test";
import { pino } from "pino";
import { GrpcClient } from "../../src/client/client.js";
import { GrpcServer } from "../../src/server/server.js";
import { EchoService, createEchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";
import { assertRefusedBeforeHttp2 } from "./helpers.js";

const LOCAL_CID = 1;

function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split("\n")) if (line) lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  return pino({ level: "warn" }, sink);
}

describe("VSOCK CID allowlist", { skip: vsockVmSkip() }, () => {
  before(requireVsockVm);

  test("a listed CID is served", async () => {
    const server = new GrpcServer({ log: silentLogger() }).addService(EchoService, createEchoService(silentLogger()));
    const listener = await server.listen("vsock://any:0", { allowCids: [LOCAL_CID] });
    const client = new GrpcClient(`vsock://${LOCAL_CID}:${listener.address.port}`);
    try {
      const reply = await client.unary(EchoService.method.echo, { payload: Buffer.from("allowed") }, { timeoutMs: 20_000 });
      assert.equal(Buffer.from(reply.payload).toString(), "allowed");
    } finally {
      await client.close(true);
      await server.shutdown(1000);
    }
  });

  test("another CID is closed before any HTTP/2 byte and logged at warn", async () => {
    const logged: Record<string, unknown>[] = [];
    const server = new GrpcServer({ log: capturingLogger(logged) }).addService(EchoService, createEchoService(silentLogger()));
    const listener = await server.listen("vsock://any:0", { allowCids: [3, 4] });
    const target = `vsock://${LOCAL_CID}:${listener.address.port}`;
    try {
      // A raw connection gets nothing at all (no SETTINGS) before the close; a call through the client fails UNAVAILABLE.
      await assertRefusedBeforeHttp2(target, { connections: 1, connectTimeoutMs: 20_000, callTimeoutMs: 20_000 });
      const refusals = logged.filter((line) => line.msg === "connection refused: CID not on the allowlist");
      assert.ok(refusals.length >= 2, JSON.stringify(logged));
      assert.equal(refusals[0]?.level, 40, "warn");
      assert.match(String(refusals[0]?.peer), /^vsock:1:\d+$/);
      assert.equal(refusals[0]?.allowed, "3,4");
    } finally {
      await server.shutdown(1000);
    }
  });
});
