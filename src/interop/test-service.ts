/**
 * grpc.testing.TestService as the gRPC interop server must serve it (grpc/grpc doc/interop-test-descriptions.md,
 * "Server"): payloads of the sizes asked for, the status asked for, x-grpc-test-echo-initial echoed in the
 * response headers and x-grpc-test-echo-trailing-bin in the trailers, compression per call and per message, and
 * expect_compressed checked against what actually arrived. UnimplementedCall is left out, so the router answers
 * it UNIMPLEMENTED.
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type MessageInitShape, create } from "@bufbuild/protobuf";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import {
  type BoolValue, type EchoStatus, PayloadSchema, type ResponseParameters, type SimpleRequest, SimpleResponseSchema,
  type StreamingOutputCallRequest, type StreamingOutputCallResponseSchema,
} from "../gen/grpc/testing/messages_pb.js";
import type { TestService } from "../gen/grpc/testing/test_pb.js";
import type { CallContext, ServiceImpl } from "../server/service.js";

export const ECHO_INITIAL_KEY = "x-grpc-test-echo-initial";
export const ECHO_TRAILING_KEY = "x-grpc-test-echo-trailing-bin";
/** The algorithm the interop server compresses with when a request asks for compression. */
const SERVER_COMPRESSION = "gzip";

type StreamingResponse = MessageInitShape<typeof StreamingOutputCallResponseSchema>;

/** A COMPRESSABLE payload of `size` zero bytes. */
export function zeroPayload(size: number) {
  return create(PayloadSchema, { body: new Uint8Array(Math.max(0, size)) });
}

/** Copies the two echo keys from the request metadata to the response headers and trailers. */
function echoMetadata(ctx: CallContext): void {
  const request = ctx.metadata();
  const initial = request[ECHO_INITIAL_KEY];
  if (initial !== undefined) ctx.responseHeaders[ECHO_INITIAL_KEY] = initial;
  const trailing = request[ECHO_TRAILING_KEY];
  if (trailing !== undefined) ctx.responseTrailers[ECHO_TRAILING_KEY] = trailing;
}

/** Throws the status a request asks for (code 0 asks for none). */
function answerStatus(status: EchoStatus | undefined): void {
  if (status !== undefined && status.code !== 0) throw new GrpcError(status.code as Code, status.message);
}

/** INVALID_ARGUMENT when expect_compressed says otherwise than the wire did (the client's feature probe relies on it). */
function checkExpectCompressed(expect: BoolValue | undefined, request: unknown, ctx: CallContext): void {
  if (expect === undefined) return;
  const compressed = ctx.requestWasCompressed(request);
  if (expect.value && !compressed) throw new GrpcError(Code.INVALID_ARGUMENT, "expected a compressed request");
  if (!expect.value && compressed) throw new GrpcError(Code.INVALID_ARGUMENT, "expected an uncompressed request");
}

/** The responses one StreamingOutputCallRequest asks for, each after its interval and compressed as asked. */
async function* respond(parameters: readonly ResponseParameters[], ctx: CallContext): AsyncGenerator<StreamingResponse> {
  for (const parameter of parameters) {
    if (parameter.intervalUs > 0) await sleep(parameter.intervalUs / 1000, undefined, { signal: ctx.signal });
    ctx.setMessageCompression(parameter.compressed?.value === true);
    yield { payload: zeroPayload(parameter.size) };
  }
}

/** Per-message compression needs the call's algorithm chosen before the first response. */
function prepareCompression(requests: readonly StreamingOutputCallRequest[], ctx: CallContext): void {
  if (requests.some((request) => request.responseParameters.some((parameter) => parameter.compressed?.value === true))) {
    ctx.setCompression(SERVER_COMPRESSION);
  }
}

function unaryCall(request: SimpleRequest, ctx: CallContext) {
  echoMetadata(ctx);
  checkExpectCompressed(request.expectCompressed, request, ctx);
  answerStatus(request.responseStatus);
  if (request.responseCompressed?.value === true) ctx.setCompression(SERVER_COMPRESSION);
  return create(SimpleResponseSchema, { payload: zeroPayload(request.responseSize) });
}

export function createTestService(): Partial<ServiceImpl<typeof TestService>> {
  return {
    emptyCall(_request, ctx) {
      echoMetadata(ctx);
      return {};
    },

    unaryCall,

    cacheableUnaryCall(request, ctx) {
      ctx.responseHeaders["cache-control"] = "max-age=60, public";
      return unaryCall(request, ctx);
    },

    async *streamingOutputCall(request, ctx) {
      echoMetadata(ctx);
      prepareCompression([request], ctx);
      yield* respond(request.responseParameters, ctx);
      answerStatus(request.responseStatus);
    },

    async streamingInputCall(requests, ctx) {
      echoMetadata(ctx);
      let aggregatedPayloadSize = 0;
      for await (const request of requests) {
        checkExpectCompressed(request.expectCompressed, request, ctx);
        aggregatedPayloadSize += request.payload?.body.length ?? 0;
      }
      return { aggregatedPayloadSize };
    },

    async *fullDuplexCall(requests, ctx) {
      echoMetadata(ctx);
      let first = true;
      for await (const request of requests) {
        if (first) prepareCompression([request], ctx);
        first = false;
        answerStatus(request.responseStatus);
        yield* respond(request.responseParameters, ctx);
      }
    },

    async *halfDuplexCall(requests, ctx) {
      echoMetadata(ctx);
      const all: StreamingOutputCallRequest[] = [];
      for await (const request of requests) all.push(request);
      prepareCompression(all, ctx);
      for (const request of all) {
        answerStatus(request.responseStatus);
        yield* respond(request.responseParameters, ctx);
      }
    },
  };
}
