/**
 * The interop client's streaming test cases (grpc/grpc doc/interop-test-descriptions.md): client, server and
 * full-duplex streams, per-message compression, cancellation at each point and a deadline on a sleeping server.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code } from "../errors/codes.js";
import type { StreamingInputCallRequestSchema, StreamingOutputCallRequestSchema } from "../gen/grpc/testing/messages_pb.js";
import { TestService } from "../gen/grpc/testing/test_pb.js";
import type { CallMetadata } from "../protocol/metadata.js";
import { check, checkZeros, collect, expectStatus } from "./check.js";
import { RequestPipe } from "./request-pipe.js";
import {
  ECHO_INITIAL_VALUE, ECHO_TRAILING_BASE64, type InteropCase, LARGE_REQUEST_BYTES, LARGE_RESPONSE_BYTES, checkEchoedMetadata,
} from "./unary-cases.js";

type InputRequest = MessageInitShape<typeof StreamingInputCallRequestSchema>;
type OutputRequest = MessageInitShape<typeof StreamingOutputCallRequestSchema>;

const REQUEST_SIZES = [27182, 8, 1828, 45904];
const RESPONSE_SIZES = [31415, 9, 2653, 58979];

async function* inputs(requests: readonly InputRequest[]): AsyncGenerator<InputRequest> {
  yield* requests;
}

function payload(size: number) {
  return { body: new Uint8Array(size) };
}

export const streamingCases: Record<string, InteropCase> = {
  async client_streaming(client) {
    const response = await client.clientStream(TestService.method.streamingInputCall, inputs(REQUEST_SIZES.map((size) => ({ payload: payload(size) }))));
    check(response.aggregatedPayloadSize === 74922, `aggregated_payload_size ${response.aggregatedPayloadSize}, expected 74922`);
  },

  async client_compressed_streaming(client) {
    await expectStatus(
      client.clientStream(TestService.method.streamingInputCall, inputs([{ payload: payload(27182), expectCompressed: { value: true } }]), { compression: "identity" }),
      Code.INVALID_ARGUMENT, "probe (expect_compressed=true sent uncompressed)");
    const response = await client.clientStream(TestService.method.streamingInputCall, inputs([
      { payload: payload(27182), expectCompressed: { value: true } },
      { payload: payload(45904), expectCompressed: { value: false } },
    ]), { compression: "gzip", compressRequest: (index) => index === 0 });
    check(response.aggregatedPayloadSize === 73086, `aggregated_payload_size ${response.aggregatedPayloadSize}, expected 73086`);
  },

  async server_streaming(client) {
    const responses = await collect(client.serverStream(TestService.method.streamingOutputCall, {
      responseParameters: RESPONSE_SIZES.map((size) => ({ size })),
    }));
    check(responses.length === RESPONSE_SIZES.length, `${responses.length} responses, expected ${RESPONSE_SIZES.length}`);
    responses.forEach((response, i) => checkZeros(response.payload?.body, RESPONSE_SIZES[i] ?? 0, `response ${i}`));
  },

  async server_compressed_streaming(client) {
    const flags: boolean[] = [];
    const responses = await collect(client.serverStream(TestService.method.streamingOutputCall, {
      responseParameters: [{ size: 31415, compressed: { value: true } }, { size: 92653, compressed: { value: false } }],
    }, { compression: "identity", onResponseMessage: (compressed) => flags.push(compressed) }));
    check(responses.length === 2, `${responses.length} responses, expected 2`);
    check(flags[0] === true && flags[1] === false, `compressed flags of the responses: ${flags.join(", ")}, expected true, false`);
    checkZeros(responses[0]?.payload?.body, 31415, "response 0 (compressed)");
    checkZeros(responses[1]?.payload?.body, 92653, "response 1 (uncompressed)");
  },

  async ping_pong(client) {
    const requests = new RequestPipe<OutputRequest>();
    const responses = client.bidiStream(TestService.method.fullDuplexCall, requests)[Symbol.asyncIterator]();
    try {
      for (let i = 0; i < REQUEST_SIZES.length; i++) {
        requests.push({ responseParameters: [{ size: RESPONSE_SIZES[i] ?? 0 }], payload: payload(REQUEST_SIZES[i] ?? 0) });
        const next = await responses.next();
        check(next.done !== true, `the stream ended before response ${i}`);
        checkZeros(next.value.payload?.body, RESPONSE_SIZES[i] ?? 0, `response ${i}`);
      }
      requests.end();
      const end = await responses.next();
      check(end.done === true, "a response after the last request");
    } finally {
      requests.end();
      await responses.return?.();
    }
  },

  async empty_stream(client) {
    const responses = await collect(client.bidiStream(TestService.method.fullDuplexCall, inputs([]) as AsyncIterable<OutputRequest>));
    check(responses.length === 0, `${responses.length} responses, expected none`);
  },

  async custom_metadata_streaming(client) {
    let headers: CallMetadata = {};
    let trailers: CallMetadata = {};
    const responses = await collect(client.bidiStream(TestService.method.fullDuplexCall,
      (async function* () { yield { responseParameters: [{ size: LARGE_RESPONSE_BYTES }], payload: payload(LARGE_REQUEST_BYTES) }; })(), {
        metadata: { "x-grpc-test-echo-initial": ECHO_INITIAL_VALUE, "x-grpc-test-echo-trailing-bin": ECHO_TRAILING_BASE64 },
        onHeader: (received) => { headers = received; },
        onTrailer: (received) => { trailers = received; },
      }));
    check(responses.length === 1, `${responses.length} responses, expected 1`);
    checkZeros(responses[0]?.payload?.body, LARGE_RESPONSE_BYTES, "FullDuplexCall response");
    checkEchoedMetadata(headers, trailers, "FullDuplexCall");
  },

  async status_code_and_message_streaming(client) {
    const message = "test status message";
    await expectStatus(collect(client.bidiStream(TestService.method.fullDuplexCall,
      (async function* () { yield { responseStatus: { code: Code.UNKNOWN, message } }; })())), Code.UNKNOWN, "FullDuplexCall", message);
  },

  async cancel_after_begin(client) {
    const controller = new AbortController();
    const call = client.clientStream(TestService.method.streamingInputCall, new RequestPipe<InputRequest>(), { signal: controller.signal });
    await new Promise((resolve) => setImmediate(resolve));
    controller.abort();
    await expectStatus(call, Code.CANCELLED, "StreamingInputCall cancelled before any request");
  },

  async cancel_after_first_response(client) {
    const controller = new AbortController();
    const requests = new RequestPipe<OutputRequest>();
    const responses = client.bidiStream(TestService.method.fullDuplexCall, requests, { signal: controller.signal })[Symbol.asyncIterator]();
    requests.push({ responseParameters: [{ size: 31415 }], payload: payload(27182) });
    const first = await responses.next();
    check(first.done !== true, "no first response");
    checkZeros(first.value.payload?.body, 31415, "first response");
    controller.abort();
    await expectStatus(responses.next(), Code.CANCELLED, "FullDuplexCall cancelled after the first response");
  },

  async timeout_on_sleeping_server(client) {
    const requests = new RequestPipe<OutputRequest>();
    requests.push({ payload: payload(27182) });
    await expectStatus(collect(client.bidiStream(TestService.method.fullDuplexCall, requests, { timeoutMs: 1 })),
      Code.DEADLINE_EXCEEDED, "FullDuplexCall with a 1 ms deadline");
  },
};
