/**
 * EchoService: returns the payload unchanged; logs each call at debug and a payload preview at trace. EchoStream
 * answers each request as it arrives, on one bidirectional call. Download streams `count` messages of
 * `message_bytes` bytes: the server-streaming throughput benchmark (perf/download-compare.sh).
 */
import { randomBytes } from "node:crypto";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { EchoService } from "../gen/fastgrpc/echo/v1/echo_pb.js";
import type { Logger } from "../log/logger.js";
import { DEFAULT_MAX_MESSAGE_BYTES } from "../server/server.js";
import type { ServiceImpl } from "../server/service.js";

const PREVIEW_BYTES = 32;
/** The most one Download call may ask for in all (count * message_bytes): 64 GiB. */
export const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024 * 1024;

export interface EchoServiceOptions {
  /**
   * The server's max message size (GrpcServer's maxMessageBytes; default 4 MiB): a Download message that would
   * encode larger is refused RESOURCE_EXHAUSTED up front rather than sent to a client that would refuse it.
   */
  maxMessageBytes?: number;
}

export function createEchoService(log: Logger, options: EchoServiceOptions = {}): ServiceImpl<typeof EchoService> {
  // The level is fixed for the life of the process: decide once, so a disabled level costs one branch per call.
  const debug = log.isLevelEnabled("debug");
  const trace = log.isLevelEnabled("trace");
  const maxMessageBytes = options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  return {
    echo(request, context) {
      if (debug) {
        log.debug({ method: context.path, peer: context.peer.label, bytes: request.payload.length }, "echo");
        if (trace) {
          const preview = Buffer.from(request.payload.subarray(0, PREVIEW_BYTES)).toString("hex");
          log.trace({ method: context.path, preview, truncated: request.payload.length > PREVIEW_BYTES }, "echo payload");
        }
      }
      return { payload: request.payload };
    },

    async *echoStream(requests, context) {
      if (debug) log.debug({ method: context.path, peer: context.peer.label }, "echo stream opened");
      let count = 0;
      for await (const request of requests) {
        count++;
        if (trace) {
          const preview = Buffer.from(request.payload.subarray(0, PREVIEW_BYTES)).toString("hex");
          log.trace({ method: context.path, index: count, preview, truncated: request.payload.length > PREVIEW_BYTES }, "echo stream payload");
        }
        yield { payload: request.payload };
      }
      if (debug) log.debug({ method: context.path, peer: context.peer.label, messages: count }, "echo stream closed");
    },

    async *download(request, context) {
      const { count, messageBytes } = request;
      const encoded = encodedPayloadBytes(messageBytes);
      if (encoded > maxMessageBytes) {
        throw new GrpcError(Code.RESOURCE_EXHAUSTED,
          `message_bytes ${messageBytes} makes ${encoded}-byte messages, above the server's max message size of ${maxMessageBytes} bytes`);
      }
      if (count * messageBytes > MAX_DOWNLOAD_BYTES) {
        throw new GrpcError(Code.INVALID_ARGUMENT,
          `count ${count} x message_bytes ${messageBytes} is above the ${MAX_DOWNLOAD_BYTES}-byte limit of one download`);
      }
      if (debug) log.debug({ method: context.path, peer: context.peer.label, count, messageBytes }, "download");
      // One buffer of random bytes (compression gains nothing) and one response object, yielded for every message:
      // responses go to the socket by reference, so neither may change once yielded, and neither does. The server
      // resumes this generator only when the stream has room (back-pressure) and stops resuming it once the call
      // is over; `ended` also stops it under a consumer that keeps pulling (an interceptor).
      const response = { payload: randomBytes(messageBytes) };
      for (let sent = 0; sent < count; sent++) {
        if (context.ended) return;
        yield response;
      }
    },
  };
}

/** The encoded size of a message holding only `payload` (field 1, length-delimited): tag, length varint, bytes. */
function encodedPayloadBytes(payloadBytes: number): number {
  if (payloadBytes === 0) return 0;
  let varint = 1;
  for (let rest = payloadBytes; rest >= 0x80; rest = Math.floor(rest / 0x80)) varint++;
  return 1 + varint + payloadBytes;
}

export { EchoService };
