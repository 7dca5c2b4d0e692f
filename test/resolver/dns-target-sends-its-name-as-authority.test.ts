// A dns:/// target's calls carry the target's host:port as :authority (as gRPC does), not the resolved IP, so that
// proxies and virtual hosts see the name the client asked for; fixed tcp:// targets keep their own. Both engines,
// against a bare node:http2 server that records what arrives.
import assert from "node:assert/strict";
import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { DnsResolver } from "../../src/client/resolver/index.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";

/** Answers every gRPC call with its own request frame (an EchoRequest is a valid EchoResponse), noting :authority. */
async function authorityRecorder() {
  const seen: string[] = [];
  const server = http2.createServer();
  server.on("stream", (stream, headers) => {
    seen.push(String(headers[":authority"]));
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("end", () => {
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(Buffer.concat(chunks));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { seen, port: (server.address() as AddressInfo).port, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

for (const engine of ENGINES) {
  test(`${engine.name}: dns:/// calls carry the target's name as :authority; tcp:// calls their address`, async (t) => {
    const recorder = await authorityRecorder();
    const resolver = new DnsResolver("echo.fleet.test", recorder.port, { lookup: () => Promise.resolve([{ address: "127.0.0.1", family: 4 }]) });
    const byName = new GrpcClient(`dns:///echo.fleet.test:${recorder.port}`, { engine: engine.client, resolver });
    const byAddress = new GrpcClient(`tcp://127.0.0.1:${recorder.port}`, { engine: engine.client });
    t.after(async () => {
      await byName.close(true);
      await byAddress.close(true);
      await recorder.close();
    });
    await byName.unary(EchoService.method.echo, { payload: Buffer.from("a") });
    await byAddress.unary(EchoService.method.echo, { payload: Buffer.from("b") });
    assert.deepEqual(recorder.seen, [`echo.fleet.test:${recorder.port}`, `127.0.0.1:${recorder.port}`]);
  });
}
