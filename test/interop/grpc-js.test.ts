/**
 * Interop with the reference implementation, both ways (a @grpc/grpc-js client calls our server, our client calls a
 * grpc-js server), on both of our engines: Echo payloads and statuses, then every call kind (unary, server, client
 * and bidi streaming), ASCII and -bin metadata, deadlines and cancellation.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { MessageInitShape } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { type Running, startEcho } from "../support/harness.js";
import type { CallContext } from "../../src/server/service.js";
import { type Chunk, type CountRequest, type Total, PATHS, StreamTestService, codecs, methods, startGrpcJsServer } from "./support/grpc-js-stream-test-service.js";

const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const definition = protoLoader.loadSync("fastgrpc/echo/v1/echo.proto", { includeDirs: [protoRoot], defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  fastgrpc: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } };
};
const EchoServiceClient = loaded.fastgrpc.echo.v1.EchoService;

type EchoReply = { payload: Buffer };

function grpcJsEcho(client: grpc.Client, payload: Buffer, deadlineMs = 5000): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const method = (client as unknown as Record<string, (req: unknown, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r: EchoReply) => void) => void>)["Echo"];
    if (!method) throw new Error("no Echo method");
    method.call(client, { payload }, { deadline: Date.now() + deadlineMs }, (error, reply) => (error ? reject(error) : resolve(reply)));
  });
}

for (const engine of ENGINES) {
  describe(`interop with @grpc/grpc-js (engine ${engine.name})`, () => {
    test("a grpc-js client calls our server: payloads, unknown method, oversized message", async () => {
      const running = await startEcho(engine, { server: { maxMessageBytes: 64 * 1024 } });
      const client = new EchoServiceClient(running.url.replace("tcp://", ""), grpc.credentials.createInsecure(), {
        "grpc.max_send_message_length": 1024 * 1024,
      });
      try {
        for (const size of [0, 10, 60_000]) {
          const payload = Buffer.alloc(size, 7);
          const reply = await grpcJsEcho(client, payload);
          assert.equal(Buffer.compare(reply.payload, payload), 0);
        }
        await assert.rejects(grpcJsEcho(client, Buffer.alloc(100_000)), (error: grpc.ServiceError) => error.code === grpc.status.RESOURCE_EXHAUSTED);
        const unknown = await new Promise<grpc.ServiceError | null>((resolve) => {
          client.makeUnaryRequest("/fastgrpc.echo.v1.EchoService/Missing", (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (error) => resolve(error));
        });
        assert.equal(unknown?.code, grpc.status.UNIMPLEMENTED);
      } finally {
        client.close();
        await running.stop();
      }
    });

    test("our client calls a grpc-js server: payloads, status codes and messages", async () => {
      const server = new grpc.Server();
      server.addService(EchoServiceClient.service, {
        Echo: (call: grpc.ServerUnaryCall<{ payload: Buffer }, EchoReply>, callback: grpc.sendUnaryData<EchoReply>) => {
          const text = call.request.payload.toString();
          if (text === "fail") callback({ code: grpc.status.PERMISSION_DENIED, details: "nope \u2603" });
          else if (text === "slow") setTimeout(() => callback(null, { payload: call.request.payload }), 500);
          else callback(null, { payload: call.request.payload });
        },
      });
      const port = await new Promise<number>((resolve, reject) =>
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))));
      const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: engine.client });
      try {
        for (const payload of [new Uint8Array(0), Buffer.from("hi"), Buffer.alloc(1024 * 1024, 3)]) {
          const reply = await client.unary(EchoService.method.echo, { payload });
          assert.equal(Buffer.compare(Buffer.from(reply.payload), Buffer.from(payload)), 0);
        }
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("fail") }), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.PERMISSION_DENIED && error.rawMessage === "nope \u2603");
        await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("slow") }, { timeoutMs: 100 }), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
        await assert.rejects(client.callRaw("/fastgrpc.echo.v1.EchoService/Missing", new Uint8Array(0)), (error: unknown) =>
          error instanceof GrpcError && error.code === Code.UNIMPLEMENTED);
      } finally {
        await client.close(true);
        await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      }
    });
  });
}

/* ---------------------------------------------------------------- every call kind, metadata, deadlines, cancellation */

/** A request count that makes the handler wait until the call is cancelled or its deadline passes. */
const HANG = 999;
/** A request count that makes the grpc-js handler fail with a status and trailing metadata. */
const FAIL = 666;
const BIN = Buffer.from([0, 1, 2, 253, 254, 255]);

function abortReason(ctx: CallContext): Promise<unknown> {
  return new Promise((resolve) => ctx.signal.addEventListener("abort", () => resolve(ctx.signal.reason), { once: true }));
}

function first<T>(value: T | T[] | undefined): T | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Our StreamTestService: echoes the request's ASCII and -bin metadata back in its headers and trailers. */
function ourStreamTestService(aborted: unknown[]) {
  return {
    async unused(request: CountRequest, ctx: CallContext) {
      const metadata = ctx.metadata();
      const ascii = first(metadata["x-ascii"]);
      const bin = first(metadata["x-trace-bin"]);
      if (ascii !== undefined) ctx.responseHeaders["x-echo-ascii"] = ascii;
      if (bin !== undefined) ctx.responseTrailers["x-echo-bin"] = bin;
      if (request.count === HANG) {
        aborted.push(await abortReason(ctx));
        return {};
      }
      return { count: request.count, bytes: BigInt(request.payloadBytes) };
    },
    async *count(request: CountRequest, ctx: CallContext) {
      for (let index = 0; index < request.count; index++) yield { index, payload: new Uint8Array(request.payloadBytes) };
      if (request.payloadBytes === HANG) aborted.push(await abortReason(ctx));
    },
    async sum(requests: AsyncIterable<Chunk>) {
      let count = 0;
      let bytes = 0n;
      for await (const chunk of requests) {
        count++;
        bytes += BigInt(chunk.payload.length);
      }
      return { count, bytes };
    },
    async *pipe(requests: AsyncIterable<Chunk>) {
      for await (const chunk of requests) yield { index: chunk.index * 10, payload: chunk.payload };
    },
  };
}

function grpcJsMetadata(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set("x-ascii", "hello interop");
  metadata.set("x-trace-bin", BIN);
  return metadata;
}

/** A grpc-js readable stream's messages, or its error. */
function readAll<T>(stream: grpc.ClientReadableStream<T> | grpc.ClientDuplexStream<unknown, T>): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const messages: T[] = [];
    stream.on("data", (message: T) => messages.push(message));
    stream.on("error", reject);
    stream.on("end", () => resolve(messages));
  });
}

function isServiceError(code: grpc.status) {
  return (error: unknown) => typeof error === "object" && error !== null && (error as grpc.ServiceError).code === code;
}

for (const engine of ENGINES) {
  describe(`a grpc-js client against our server: every call kind (engine ${engine.name})`, () => {
    let running: Running;
    let client: grpc.Client;
    const aborted: unknown[] = [];
    before(async () => {
      running = await startEcho(engine, { setup: (server) => server.addService(StreamTestService, ourStreamTestService(aborted)) });
      client = new grpc.Client(running.url.replace("tcp://", ""), grpc.credentials.createInsecure());
    });
    after(async () => {
      client.close();
      await running.stop();
    });
    const deadline = (ms = 5000): grpc.CallOptions => ({ deadline: Date.now() + ms });

    test("unary with ASCII and -bin metadata: both come back, in the response headers and trailers", async () => {
      let headers: grpc.Metadata | undefined;
      let trailers: grpc.Metadata | undefined;
      const reply = await new Promise<Total>((resolve, reject) => {
        const call = client.makeUnaryRequest(PATHS.unused, codecs.countRequest.serialize, codecs.total.deserialize, { count: 7, payloadBytes: 3 },
          grpcJsMetadata(), deadline(), (error, value) => (error || value === undefined ? reject(error) : resolve(value)));
        call.on("metadata", (received: grpc.Metadata) => { headers = received; });
        call.on("status", (status: grpc.StatusObject) => { trailers = status.metadata; });
      });
      assert.equal(reply.count, 7);
      assert.equal(reply.bytes, 3n);
      assert.deepEqual(headers?.get("x-echo-ascii"), ["hello interop"]);
      await new Promise((resolve) => setImmediate(resolve)); // "status" follows the callback
      assert.deepEqual(trailers?.get("x-echo-bin"), [BIN]);
    });

    test("server streaming, client streaming and bidi streaming", async () => {
      const counted = await readAll(client.makeServerStreamRequest(PATHS.count, codecs.countRequest.serialize, codecs.chunk.deserialize, { count: 5, payloadBytes: 2 }, grpcJsMetadata(), deadline()));
      assert.deepEqual(counted.map((chunk) => [chunk.index, chunk.payload.length]), [[0, 2], [1, 2], [2, 2], [3, 2], [4, 2]]);

      const total = await new Promise<Total>((resolve, reject) => {
        const call = client.makeClientStreamRequest(PATHS.sum, codecs.chunk.serialize, codecs.total.deserialize, grpcJsMetadata(), deadline(),
          (error, value) => (error || value === undefined ? reject(error) : resolve(value)));
        for (const size of [1, 2, 3]) call.write({ index: size, payload: new Uint8Array(size) });
        call.end();
      });
      assert.deepEqual([total.count, total.bytes], [3, 6n]);

      const pipe = client.makeBidiStreamRequest(PATHS.pipe, codecs.chunk.serialize, codecs.chunk.deserialize, grpcJsMetadata(), deadline());
      const echoed = readAll(pipe);
      for (const index of [1, 2, 3]) pipe.write({ index, payload: Buffer.from(`m${index}`) });
      pipe.end();
      assert.deepEqual((await echoed).map((chunk) => [chunk.index, Buffer.from(chunk.payload).toString()]), [[10, "m1"], [20, "m2"], [30, "m3"]]);
    });

    test("a grpc-js deadline ends the call DEADLINE_EXCEEDED and aborts our handler", async () => {
      const before = aborted.length;
      await assert.rejects(new Promise((resolve, reject) => {
        client.makeUnaryRequest(PATHS.unused, codecs.countRequest.serialize, codecs.total.deserialize, { count: HANG }, deadline(100),
          (error, value) => (error ? reject(error) : resolve(value)));
      }), isServiceError(grpc.status.DEADLINE_EXCEEDED));
      await waitFor(() => aborted.length > before);
      assert.match(String((aborted[before] as GrpcError).code), new RegExp(`^(${Code.DEADLINE_EXCEEDED}|${Code.CANCELLED})$`));
    });

    test("a grpc-js cancel ends a server stream CANCELLED and aborts our handler", async () => {
      const before = aborted.length;
      const call = client.makeServerStreamRequest(PATHS.count, codecs.countRequest.serialize, codecs.chunk.deserialize, { count: 1, payloadBytes: HANG }, deadline());
      const ended = readAll(call);
      await new Promise((resolve) => call.once("data", resolve));
      call.cancel();
      await assert.rejects(ended, isServiceError(grpc.status.CANCELLED));
      await waitFor(() => aborted.length > before);
      assert.equal((aborted[before] as GrpcError).code, Code.CANCELLED);
    });
  });

  describe(`our client against a grpc-js server: every call kind (engine ${engine.name})`, () => {
    let grpcJs: Awaited<ReturnType<typeof startGrpcJsServer>>;
    let client: GrpcClient;
    const seen = { ascii: [] as unknown[], bin: [] as unknown[], cancelled: [] as string[] };
    const record = (metadata: grpc.Metadata) => {
      seen.ascii.push(metadata.get("x-ascii")[0]);
      seen.bin.push(metadata.get("x-trace-bin")[0]);
    };
    before(async () => {
      grpcJs = await startGrpcJsServer({
        Unused: (call: grpc.ServerUnaryCall<CountRequest, Total>, callback: grpc.sendUnaryData<MessageInitShape<typeof methods.unused.output>>) => {
          record(call.metadata);
          if (call.request.count === HANG) return call.on("cancelled", () => seen.cancelled.push("unused"));
          if (call.request.count === FAIL) {
            const trailers = new grpc.Metadata();
            trailers.set("x-why", "refused on purpose");
            trailers.set("x-trace-bin", BIN);
            return callback({ code: grpc.status.PERMISSION_DENIED, details: "nope \u2603", metadata: trailers });
          }
          callback(null, { count: call.request.count, bytes: BigInt(call.request.payloadBytes) });
        },
        Count: (call: grpc.ServerWritableStream<CountRequest, MessageInitShape<typeof methods.count.output>>) => {
          record(call.metadata);
          for (let index = 0; index < call.request.count; index++) call.write({ index, payload: new Uint8Array(call.request.payloadBytes) });
          if (call.request.payloadBytes === HANG) return call.on("cancelled", () => seen.cancelled.push("count"));
          call.end();
        },
        Sum: (call: grpc.ServerReadableStream<Chunk, Total>, callback: grpc.sendUnaryData<MessageInitShape<typeof methods.sum.output>>) => {
          let count = 0;
          let bytes = 0n;
          call.on("data", (chunk: Chunk) => {
            count++;
            bytes += BigInt(chunk.payload.length);
          });
          call.on("end", () => callback(null, { count, bytes }));
        },
        Pipe: (call: grpc.ServerDuplexStream<Chunk, MessageInitShape<typeof methods.pipe.output>>) => {
          call.on("data", (chunk: Chunk) => call.write({ index: chunk.index * 10, payload: chunk.payload }));
          call.on("end", () => call.end());
        },
      });
      client = new GrpcClient(`tcp://127.0.0.1:${grpcJs.port}`, { engine: engine.client });
    });
    after(async () => {
      await client.close(true);
      await grpcJs.stop();
    });
    const metadata = { "x-ascii": "hello interop", "x-trace-bin": BIN };

    test("unary with ASCII and -bin metadata; a failed call brings its status and trailing metadata (ASCII and -bin) back", async () => {
      const reply = await client.unary(methods.unused, { count: 7, payloadBytes: 3 }, { metadata });
      assert.deepEqual([reply.count, reply.bytes], [7, 3n]);
      assert.equal(seen.ascii.at(-1), "hello interop");
      assert.deepEqual(seen.bin.at(-1), BIN);
      await assert.rejects(client.unary(methods.unused, { count: FAIL }, { metadata }), (error: unknown) => {
        assert.ok(error instanceof GrpcError);
        assert.equal(error.code, Code.PERMISSION_DENIED);
        assert.equal(error.rawMessage, "nope \u2603");
        assert.equal(error.metadata["x-why"], "refused on purpose");
        assert.deepEqual(error.metadata["x-trace-bin"], BIN, "-bin trailers arrive as bytes");
        return true;
      });
    });

    test("server streaming, client streaming and bidi streaming", async () => {
      const counted: Array<[number, number]> = [];
      for await (const chunk of client.serverStream(methods.count, { count: 5, payloadBytes: 2 }, { metadata })) counted.push([chunk.index, chunk.payload.length]);
      assert.deepEqual(counted, [[0, 2], [1, 2], [2, 2], [3, 2], [4, 2]]);
      assert.equal(seen.ascii.at(-1), "hello interop");

      async function* chunks(texts: readonly string[]) {
        for (const [index, text] of texts.entries()) yield { index: index + 1, payload: Buffer.from(text) };
      }
      const total = await client.clientStream(methods.sum, chunks(["a", "bb", "ccc"]));
      assert.deepEqual([total.count, total.bytes], [3, 6n]);

      const echoed: Array<[number, string]> = [];
      for await (const chunk of client.bidiStream(methods.pipe, chunks(["m1", "m2", "m3"]))) echoed.push([chunk.index, Buffer.from(chunk.payload).toString()]);
      assert.deepEqual(echoed, [[10, "m1"], [20, "m2"], [30, "m3"]]);
    });

    test("our deadline ends the call DEADLINE_EXCEEDED and grpc-js sees it cancelled", async () => {
      await assert.rejects(client.unary(methods.unused, { count: HANG }, { timeoutMs: 100, metadata }), (error: unknown) =>
        error instanceof GrpcError && error.code === Code.DEADLINE_EXCEEDED);
      await waitFor(() => seen.cancelled.includes("unused"));
    });

    test("aborting our server stream ends it CANCELLED and grpc-js sees it cancelled", async () => {
      const controller = new AbortController();
      const received: number[] = [];
      await assert.rejects(async () => {
        for await (const chunk of client.serverStream(methods.count, { count: 1, payloadBytes: HANG }, { signal: controller.signal, metadata })) {
          received.push(chunk.index);
          controller.abort();
        }
      }, (error: unknown) => error instanceof GrpcError && error.code === Code.CANCELLED);
      assert.deepEqual(received, [0]);
      await waitFor(() => seen.cancelled.includes("count"));
    });
  });
}

/** Resolves once `condition` holds; each check waits for the event loop to turn (I/O from the peer), no fixed sleep. */
async function waitFor(condition: () => boolean, turns = 10_000): Promise<void> {
  for (let turn = 0; turn < turns; turn++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail("condition not met");
}
