/**
 * The end-to-end scenario from the product spec, as ONE function so that every transport runs the same thing:
 * start a server, call it through our client, shut everything down without leaking handles.
 * TCP runs it in test/e2e; the VSOCK suite runs it inside the test VM.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { GrpcClient } from "../../src/client/client.js";
import { GrpcServer } from "../../src/server/server.js";
import { createEchoService, EchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { activeHandles, expectNoLeaks } from "./harness.js";

export interface EndToEndOptions {
  /** Where the server listens, e.g. "tcp://127.0.0.1:0" or "vsock://any:5000". */
  listenUrl: string;
  /** The client's target for the listener's actual URL. */
  dialUrl(listenerUrl: string): string;
}

export async function endToEnd({ listenUrl, dialUrl }: EndToEndOptions): Promise<void> {
  const before = activeHandles();
  const server = new GrpcServer({ log: silentLogger() });
  server.addService(EchoService, createEchoService(silentLogger()));
  const listener = await server.listen(listenUrl);
  assert.notEqual(listener.address.port, 0, "the listener reports the port it bound");

  const client = new GrpcClient(dialUrl(listener.url));
  for (const payload of [new Uint8Array(0), Buffer.from("hello fastgrpc"), randomBytes(1024 * 1024)]) {
    const reply = await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 30_000 });
    assert.equal(Buffer.compare(Buffer.from(reply.payload), Buffer.from(payload)), 0, `echo of ${payload.length} bytes`);
  }

  await client.close();
  await server.shutdown(1000);
  await expectNoLeaks(before);
}
