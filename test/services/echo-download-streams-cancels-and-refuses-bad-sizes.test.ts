/**
 * EchoService/Download on every engine: `count` messages of `message_bytes` random bytes arrive (the same bytes in
 * each), zero messages is OK, leaving the loop or aborting mid-download stops the server's generator, a message
 * that would encode above the server's max message size is RESOURCE_EXHAUSTED and a total above 64 GiB is
 * INVALID_ARGUMENT, both at their exact boundary.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { silentLogger } from "../../src/log/logger.js";
import { GrpcServer } from "../../src/server/server.js";
import type { CallContext } from "../../src/server/service.js";
import { MAX_DOWNLOAD_BYTES, createEchoService } from "../../src/services/echo.js";
import { ENGINES, type EngineUnderTest } from "../support/engines.js";

/** The server's limit in these tests: small, so the boundary costs nothing to reach. */
const SERVER_MAX_MESSAGE_BYTES = 64 * 1024;
/** The largest payload whose message (tag 1 byte + 3-byte length varint + payload) is exactly the limit. */
const LARGEST_PAYLOAD = SERVER_MAX_MESSAGE_BYTES - 4;

function codeOf(error: unknown): string {
  return error instanceof GrpcError ? error.codeName : `not a GrpcError: ${String(error)}`;
}

/** What the server-side wrapper saw of the real Download generator: messages pulled, and when it finished. */
interface Tracked {
  pulled: number;
  finished: Promise<void>;
}

interface DownloadServer {
  client: GrpcClient;
  /** The most recent Download call's tracking. */
  last(): Tracked;
  stop(): Promise<void>;
}

async function startDownloadServer(engine: EngineUnderTest): Promise<DownloadServer> {
  const log = silentLogger();
  const server = new GrpcServer({ log, engine: engine.server, maxMessageBytes: SERVER_MAX_MESSAGE_BYTES });
  const echo = createEchoService(log, { maxMessageBytes: SERVER_MAX_MESSAGE_BYTES });
  let last: Tracked = { pulled: 0, finished: Promise.resolve() };
  server.addService(EchoService, {
    ...echo,
    // The real handler, wrapped to count what the server pulled from it and to see its generator end.
    download(request, context) {
      let finish: () => void = () => undefined;
      const tracked: Tracked = { pulled: 0, finished: new Promise<void>((resolve) => { finish = resolve; }) };
      last = tracked;
      const inner = echo.download(request, context);
      return (async function* () {
        try {
          for await (const response of inner) {
            tracked.pulled++;
            yield response;
          }
        } finally {
          finish();
        }
      })();
    },
  });
  const listener = await server.listen("tcp://127.0.0.1:0");
  const client = new GrpcClient(listener.url, { engine: engine.client, maxMessageBytes: 4 * 1024 * 1024 });
  return {
    client,
    last: () => last,
    async stop() {
      await client.close(true);
      await server.shutdown(1000);
    },
  };
}

for (const engine of ENGINES) {
  describe(`EchoService/Download (engine ${engine.name})`, () => {
    let running: DownloadServer;
    before(async () => { running = await startDownloadServer(engine); });
    after(() => running.stop());

    test("count messages of message_bytes random bytes arrive, the same bytes in each, then OK", async () => {
      let first: Uint8Array | undefined;
      let messages = 0;
      let bytes = 0;
      for await (const response of running.client.serverStream(EchoService.method.download, { count: 40, messageBytes: LARGEST_PAYLOAD })) {
        messages++;
        bytes += response.payload.length;
        first ??= Uint8Array.from(response.payload);
        assert.equal(Buffer.compare(response.payload, first), 0, `message ${messages} carries the same bytes as the first`);
      }
      assert.equal(messages, 40);
      assert.equal(bytes, 40 * LARGEST_PAYLOAD);
      assert.ok(first !== undefined && new Set(first).size > 200, "the payload is random bytes, not a fill");
      assert.equal(running.last().pulled, 40);
    });

    test("zero messages and empty messages are valid downloads", async () => {
      let messages = 0;
      for await (const _ of running.client.serverStream(EchoService.method.download, { count: 0, messageBytes: 1024 })) messages++;
      assert.equal(messages, 0);
      for await (const response of running.client.serverStream(EchoService.method.download, { count: 3, messageBytes: 0 })) {
        assert.equal(response.payload.length, 0);
        messages++;
      }
      assert.equal(messages, 3);
    });

    test("leaving the loop mid-download stops the server's generator", async () => {
      // 1,000,000 x 64 KiB: about 61 GiB, allowed, so only the cancellation can end it.
      let read = 0;
      for await (const _ of running.client.serverStream(EchoService.method.download, { count: 1_000_000, messageBytes: 65_536 - 8 })) {
        if (++read === 10) break;
      }
      const tracked = running.last();
      await tracked.finished;
      const pulled = tracked.pulled;
      assert.ok(pulled >= 10 && pulled < 1000, `the server pulled ${pulled} messages: only what flow control let out`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(tracked.pulled, pulled, "nothing is pulled after the call ended");
    });

    test("an aborted signal mid-download reads CANCELLED and stops the server's generator", async () => {
      const controller = new AbortController();
      let read = 0;
      await assert.rejects(async () => {
        for await (const _ of running.client.serverStream(EchoService.method.download, { count: 1_000_000, messageBytes: 1024 }, { signal: controller.signal })) {
          if (++read === 5) controller.abort();
        }
      }, (error) => codeOf(error) === "CANCELLED");
      const tracked = running.last();
      await tracked.finished;
      assert.ok(tracked.pulled < 100_000, `the server stopped after ${tracked.pulled} messages`);
    });

    test("message_bytes one over what fits the server's max message size is RESOURCE_EXHAUSTED, before any message", async () => {
      let messages = 0;
      await assert.rejects(async () => {
        for await (const _ of running.client.serverStream(EchoService.method.download, { count: 2, messageBytes: LARGEST_PAYLOAD + 1 })) messages++;
      }, (error) => codeOf(error) === "RESOURCE_EXHAUSTED" && /max message size/.test((error as Error).message));
      assert.equal(messages, 0);
    });

    test("a total above 64 GiB is INVALID_ARGUMENT; exactly 64 GiB starts", async () => {
      await assert.rejects(async () => {
        for await (const _ of running.client.serverStream(EchoService.method.download, { count: 2_097_153, messageBytes: 32_768 })) break;
      }, (error) => codeOf(error) === "INVALID_ARGUMENT");
      assert.equal(2_097_152 * 32_768, MAX_DOWNLOAD_BYTES);
      let read = 0;
      for await (const response of running.client.serverStream(EchoService.method.download, { count: 2_097_152, messageBytes: 32_768 })) {
        assert.equal(response.payload.length, 32_768);
        if (++read === 2) break;
      }
      assert.equal(read, 2);
    });
  });
}

describe("EchoService/Download handler", () => {
  test("stops yielding once the call has ended, even for a consumer that keeps pulling", async () => {
    const context = { ended: false, path: "/fastgrpc.echo.v1.EchoService/Download" };
    const download = createEchoService(silentLogger()).download;
    const responses = download({ count: 100, messageBytes: 16 } as Parameters<typeof download>[0], context as unknown as CallContext);
    const iterator = responses[Symbol.asyncIterator]();
    assert.equal((await iterator.next()).done, false);
    assert.equal((await iterator.next()).done, false);
    context.ended = true;
    assert.equal((await iterator.next()).done, true);
  });

  test("defaults to the server's default 4 MiB max message size", async () => {
    const download = createEchoService(silentLogger()).download;
    const context = { ended: false } as unknown as CallContext;
    const fits = download({ count: 1, messageBytes: 4 * 1024 * 1024 - 5 } as Parameters<typeof download>[0], context);
    assert.equal((await fits[Symbol.asyncIterator]().next()).done, false);
    const tooBig = download({ count: 1, messageBytes: 4 * 1024 * 1024 - 4 } as Parameters<typeof download>[0], context);
    await assert.rejects(tooBig[Symbol.asyncIterator]().next(), (error) => codeOf(error) === "RESOURCE_EXHAUSTED");
  });
});
