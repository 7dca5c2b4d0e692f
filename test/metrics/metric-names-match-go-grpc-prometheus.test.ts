/**
 * The call metrics use go-grpc-prometheus's names and label values, so dashboards built for Go servers work:
 * grpc_type is unary / client_stream / server_stream / bidi_stream, and grpc_server_msg_received_total /
 * grpc_server_msg_sent_total count messages per method for every kind of call.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { silentLogger } from "../../src/log/logger.js";
import { ServerMetrics, grpcTypeLabel } from "../../src/server/metrics.js";
import { GrpcServer } from "../../src/server/server.js";
import { metricSample } from "../support/metrics-text.js";
import { type Chunk, StreamTestService, chunkRequests, methods } from "../support/stream-test-service.js";

const labels = (type: string, method: string) => `grpc_type="${type}",grpc_service="fastgrpc.test.v1.StreamTestService",grpc_method="${method}"`;

describe("metric names match go-grpc-prometheus", () => {
  let server: GrpcServer;
  let client: GrpcClient;
  const metrics = new ServerMetrics();

  before(async () => {
    server = new GrpcServer({ log: silentLogger(), metrics, reflection: false });
    server.addService(StreamTestService, {
      async *count(request) {
        for (let index = 0; index < request.count; index++) yield { index, payload: new Uint8Array(request.payloadBytes) };
      },
      async sum(requests) {
        let count = 0;
        for await (const _ of requests) count++;
        return { count, bytes: 0n };
      },
      async *pipe(requests: AsyncIterable<Chunk>) {
        for await (const chunk of requests) yield { index: chunk.index, payload: chunk.payload };
      },
      unused: (request) => ({ count: request.count, bytes: 0n }),
    });
    const listener = await server.listen("tcp://127.0.0.1:0");
    client = new GrpcClient(listener.url);
  });
  after(async () => {
    await client.close(true);
    await server.shutdown(1000);
  });

  test("grpc_type takes go-grpc-prometheus's values", () => {
    assert.equal(grpcTypeLabel("unary"), "unary");
    assert.equal(grpcTypeLabel("client_streaming"), "client_stream");
    assert.equal(grpcTypeLabel("server_streaming"), "server_stream");
    assert.equal(grpcTypeLabel("bidi_streaming"), "bidi_stream");
  });

  test("messages received and sent are counted per method, for all four kinds", async () => {
    await client.unary(methods.unused, { count: 1 });
    await client.unary(methods.unused, { count: 2 });
    let streamed = 0;
    for await (const _ of client.serverStream(methods.count, { count: 5, payloadBytes: 1 })) streamed++;
    assert.equal(streamed, 5);
    assert.equal((await client.clientStream(methods.sum, chunkRequests(4, 3))).count, 4);
    let piped = 0;
    for await (const _ of client.bidiStream(methods.pipe, chunkRequests(3, 3))) piped++;
    assert.equal(piped, 3);

    const text = metrics.render();
    const expected: Array<[type: string, method: string, received: number, sent: number]> = [
      ["unary", "Unused", 2, 2],
      ["server_stream", "Count", 1, 5],
      ["client_stream", "Sum", 4, 1],
      ["bidi_stream", "Pipe", 3, 3],
    ];
    for (const [type, method, received, sent] of expected) {
      assert.equal(metricSample(text, "grpc_server_msg_received_total", labels(type, method)), received, `${method} received`);
      assert.equal(metricSample(text, "grpc_server_msg_sent_total", labels(type, method)), sent, `${method} sent`);
      assert.equal(metricSample(text, "grpc_server_handled_total", `${labels(type, method)},grpc_code="OK"`), type === "unary" ? 2 : 1);
    }
    assert.match(text, /^# TYPE grpc_server_msg_received_total counter$/m);
    assert.match(text, /^# TYPE grpc_server_msg_sent_total counter$/m);
    assert.doesNotMatch(text, /grpc_type="\w+_streaming"/);
  });
});
