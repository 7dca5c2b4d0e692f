/**
 * fastgrpc/otel: client and server spans with the RPC semantic conventions, recorded by the SDK's in-memory
 * exporter; the server span continues the client's trace through W3C traceparent, on every engine; and the
 * propagation interoperates with @grpc/grpc-js both ways (a grpc-js client's traceparent is continued by our
 * server, our client's traceparent reaches a grpc-js server).
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { after, before, beforeEach, describe, test } from "node:test";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { BasicTracerProvider, InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { otelClientInterceptor, otelServerInterceptor } from "../../src/otel/index.js";
import { GrpcServer } from "../../src/server/server.js";
import { EchoService, createEchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { ENGINES } from "../support/engines.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
const otel = { tracer: provider.getTracer("test"), propagator: new W3CTraceContextPropagator() };

const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const definition = protoLoader.loadSync("fastgrpc/echo/v1/echo.proto", { includeDirs: [protoRoot], defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as { fastgrpc: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } } };
const EchoServiceClient = loaded.fastgrpc.echo.v1.EchoService;

function spans(kind: SpanKind): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((span) => span.kind === kind);
}

async function startServer(engine: (typeof ENGINES)[number]): Promise<{ server: GrpcServer; url: string; port: number }> {
  const server = new GrpcServer({ log: silentLogger(), engine: engine.server, interceptors: [otelServerInterceptor(otel)] });
  const echo = createEchoService(silentLogger());
  server.addService(EchoService, {
    async echo(request, ctx) {
      if (Buffer.from(request.payload).toString() === "hang") {
        await new Promise((resolve) => ctx.signal.addEventListener("abort", resolve, { once: true }));
      }
      if (Buffer.from(request.payload).toString() === "deny") throw new GrpcError(Code.PERMISSION_DENIED, "no");
      if (Buffer.from(request.payload).toString() === "bug") throw new Error("bug");
      return { payload: request.payload };
    },
    echoStream: echo.echoStream,
  });
  const listener = await server.listen("tcp://127.0.0.1:0");
  return { server, url: listener.url, port: Number(listener.url.split(":").pop()) };
}

beforeEach(() => exporter.reset());

for (const engine of ENGINES) {
  describe(`otel interceptors (engine ${engine.name})`, () => {
    let running: { server: GrpcServer; url: string; port: number };
    let client: GrpcClient;
    before(async () => {
      running = await startServer(engine);
      client = new GrpcClient(running.url, { engine: engine.client, interceptors: [otelClientInterceptor(otel)] });
    });
    after(async () => {
      await client.close(true);
      await running.server.shutdown(200);
    });

    test("a unary call makes a client and a server span in one trace, with the RPC attributes", async () => {
      await client.unary(EchoService.method.echo, { payload: Buffer.from("x") });
      const [clientSpan] = spans(SpanKind.CLIENT);
      const [serverSpan] = spans(SpanKind.SERVER);
      assert.ok(clientSpan && serverSpan, "both spans ended");
      assert.equal(clientSpan.name, "fastgrpc.echo.v1.EchoService/Echo");
      assert.deepEqual(clientSpan.attributes, {
        "rpc.system": "grpc",
        "rpc.service": "fastgrpc.echo.v1.EchoService",
        "rpc.method": "Echo",
        "server.address": "127.0.0.1",
        "server.port": running.port,
        "rpc.grpc.status_code": 0,
      });
      assert.equal(serverSpan.attributes["rpc.system"], "grpc");
      assert.equal(serverSpan.attributes["rpc.method"], "Echo");
      assert.equal(serverSpan.attributes["rpc.grpc.status_code"], 0);
      assert.equal(serverSpan.attributes["network.peer.address"], "127.0.0.1");
      assert.equal(serverSpan.spanContext().traceId, clientSpan.spanContext().traceId);
      assert.equal(serverSpan.parentSpanContext?.spanId, clientSpan.spanContext().spanId);
      assert.equal(clientSpan.status.code, SpanStatusCode.UNSET);
    });

    test("a failed call records the status code; the server marks only server-side faults as errors", async () => {
      await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("deny") }));
      await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("bug") }));
      const [deniedClient, bugClient] = spans(SpanKind.CLIENT);
      const [deniedServer, bugServer] = spans(SpanKind.SERVER);
      assert.equal(deniedClient?.attributes["rpc.grpc.status_code"], Code.PERMISSION_DENIED);
      assert.equal(deniedClient?.status.code, SpanStatusCode.ERROR);
      assert.equal(deniedServer?.attributes["rpc.grpc.status_code"], Code.PERMISSION_DENIED);
      assert.equal(deniedServer?.status.code, SpanStatusCode.UNSET, "PERMISSION_DENIED is the client's problem");
      assert.equal(bugServer?.attributes["rpc.grpc.status_code"], Code.UNKNOWN);
      assert.equal(bugServer?.status.code, SpanStatusCode.ERROR);
      assert.equal(bugClient?.attributes["rpc.grpc.status_code"], Code.UNKNOWN);
    });

    test("a call the deadline ends has its server span ended with the status, while the handler still runs", async () => {
      await assert.rejects(client.unary(EchoService.method.echo, { payload: Buffer.from("hang") }, { timeoutMs: 300 }));
      for (let i = 0; i < 100 && spans(SpanKind.SERVER).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const [serverSpan] = spans(SpanKind.SERVER);
      const code = serverSpan?.attributes["rpc.grpc.status_code"];
      assert.ok(code === Code.DEADLINE_EXCEEDED || code === Code.CANCELLED, `server span status ${String(code)}`);
      assert.equal(spans(SpanKind.CLIENT)[0]?.attributes["rpc.grpc.status_code"], Code.DEADLINE_EXCEEDED);
    });

    test("a streaming call's spans end when the stream does", async () => {
      const responses = client.bidiStream(EchoService.method.echoStream, (async function* () {
        yield { payload: Buffer.from("1") };
        yield { payload: Buffer.from("2") };
      })());
      let count = 0;
      for await (const _ of responses) {
        count++;
        assert.equal(spans(SpanKind.CLIENT).length, 0, "the client span is open while the stream is");
      }
      assert.equal(count, 2);
      const [clientSpan] = spans(SpanKind.CLIENT);
      assert.equal(clientSpan?.name, "fastgrpc.echo.v1.EchoService/EchoStream");
      assert.equal(clientSpan?.attributes["rpc.grpc.status_code"], 0);
      for (let i = 0; i < 50 && spans(SpanKind.SERVER).length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
      const [serverSpan] = spans(SpanKind.SERVER);
      assert.equal(serverSpan?.attributes["rpc.grpc.status_code"], 0);
      assert.equal(serverSpan?.spanContext().traceId, clientSpan?.spanContext().traceId);
    });

    test("a grpc-js client's traceparent is continued by our server span", async () => {
      const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
      const parentId = "00f067aa0ba902b7";
      const peer = new EchoServiceClient(running.url.replace("tcp://", ""), grpc.credentials.createInsecure());
      try {
        const metadata = new grpc.Metadata();
        metadata.set("traceparent", `00-${traceId}-${parentId}-01`);
        await new Promise<void>((resolve, reject) => {
          peer.makeUnaryRequest("/fastgrpc.echo.v1.EchoService/Echo", (x: Buffer) => x, (x: Buffer) => x, Buffer.from([10, 1, 0x61]), metadata, (error) => (error ? reject(error) : resolve()));
        });
      } finally {
        peer.close();
      }
      const [serverSpan] = spans(SpanKind.SERVER);
      assert.equal(serverSpan?.spanContext().traceId, traceId);
      assert.equal(serverSpan?.parentSpanContext?.spanId, parentId);
      assert.equal(serverSpan?.parentSpanContext?.isRemote, true);
    });

    test("our client's traceparent reaches a grpc-js server", async () => {
      const received: string[] = [];
      const server = new grpc.Server();
      server.addService(EchoServiceClient.service, {
        Echo: (call: grpc.ServerUnaryCall<{ payload: Buffer }, unknown>, callback: grpc.sendUnaryData<unknown>) => {
          received.push(String(call.metadata.get("traceparent")[0]));
          callback(null, { payload: call.request.payload });
        },
      });
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound)));
      });
      const peerClient = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: engine.client, interceptors: [otelClientInterceptor(otel)] });
      try {
        await peerClient.unary(EchoService.method.echo, { payload: Buffer.from("x") });
      } finally {
        await peerClient.close(true);
        server.forceShutdown();
      }
      const [clientSpan] = spans(SpanKind.CLIENT);
      const context = clientSpan?.spanContext() ?? assert.fail("no client span");
      assert.equal(received[0], `00-${context.traceId}-${context.spanId}-01`);
    });
  });
}
