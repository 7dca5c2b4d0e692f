/**
 * firecracker:// targets: a stand-in for Firecracker's host-side vsock proxy (a unix socket that takes
 * "CONNECT <port>\n", answers "OK <n>\n" and then relays bytes) in front of a real fastgrpc server on TCP.
 */
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { AddressError, parseAddress } from "../../src/transport/address.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";

/** Relays "CONNECT <port>" to the TCP port that stands for that guest vsock port; refuses other ports like Firecracker. */
function fakeFirecracker(socketPath: string, guestPorts: Map<number, number>): Promise<net.Server> {
  const server = net.createServer((client) => {
    let request = "";
    const onData = (chunk: Buffer) => {
      request += chunk.toString("latin1");
      const newline = request.indexOf("\n");
      if (newline < 0) return;
      client.off("data", onData);
      const match = /^CONNECT (\d+)$/.exec(request.slice(0, newline));
      const tcpPort = match ? guestPorts.get(Number(match[1])) : undefined;
      if (tcpPort === undefined) {
        client.destroy(); // what Firecracker does when nothing listens on the guest port
        return;
      }
      const upstream = net.connect({ host: "127.0.0.1", port: tcpPort }, () => {
        client.write("OK 1073741824\n");
        const early = request.slice(newline + 1);
        if (early.length > 0) upstream.write(Buffer.from(early, "latin1"));
        client.pipe(upstream);
        upstream.pipe(client);
      });
      upstream.on("error", () => client.destroy());
      client.on("error", () => upstream.destroy());
    };
    client.on("data", onData);
  });
  return new Promise((resolve) => server.listen(socketPath, () => resolve(server)));
}

describe("firecracker:// targets through the host-side vsock proxy", () => {
  let dir: string;
  let socketPath: string;
  let proxy: net.Server;
  const runs: Running[] = [];
  const guestPorts = new Map<number, number>();

  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "fastgrpc-fc-"));
    socketPath = path.join(dir, "v.sock");
    for (const [index, engine] of ENGINES.entries()) {
      const running = await startEcho(engine);
      runs.push(running);
      guestPorts.set(5000 + index, parseAddress(running.url).port ?? 0);
    }
    proxy = await fakeFirecracker(socketPath, guestPorts);
  });

  after(async () => {
    for (const running of runs) await running.stop();
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  for (const [index, engine] of ENGINES.entries()) {
    test(`echo over firecracker:// reaches the guest's port (engine ${engine.name})`, async () => {
      const client = new GrpcClient(`firecracker://${socketPath}:${5000 + index}`, { engine: engine.client });
      try {
        for (const size of [0, 10, 300_000]) {
          const payload = Buffer.alloc(size, 9);
          const reply = await client.unary(EchoService.method.echo, { payload });
          assert.equal(Buffer.compare(Buffer.from(reply.payload), payload), 0, `${size} bytes`);
        }
      } finally {
        await client.close(true);
      }
    });
  }

  test("a guest port nobody listens on, or a missing socket, fails with UNAVAILABLE", async () => {
    for (const target of [`firecracker://${socketPath}:6999`, `firecracker://${path.join(dir, "missing.sock")}:5000`]) {
      const client = new GrpcClient(target, { connectTimeoutMs: 3000 });
      try {
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("x") }),
          (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE, target);
      } finally {
        await client.close(true);
      }
    }
  });

  test("firecracker:// parses as a client target only", () => {
    assert.deepEqual(parseAddress("firecracker:///run/fc/v.sock:5000"), { scheme: "firecracker", path: "/run/fc/v.sock", port: 5000 });
    assert.throws(() => parseAddress("firecracker:///run/fc/v.sock:5000", true), AddressError);
    assert.throws(() => parseAddress("firecracker://relative.sock:5000"), AddressError);
    assert.throws(() => parseAddress("firecracker:///run/fc/v.sock"), AddressError);
  });
});
