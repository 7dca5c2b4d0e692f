/**
 * EchoService: returns the payload unchanged; logs each call at debug and a payload preview at trace. EchoStream
 * answers each request as it arrives, on one bidirectional call.
 */
import { EchoService } from "../gen/fastgrpc/echo/v1/echo_pb.js";
import type { Logger } from "../log/logger.js";
import type { ServiceImpl } from "../server/service.js";

const PREVIEW_BYTES = 32;

export function createEchoService(log: Logger): ServiceImpl<typeof EchoService> {
  // The level is fixed for the life of the process: decide once, so a disabled level costs one branch per call.
  const debug = log.isLevelEnabled("debug");
  const trace = log.isLevelEnabled("trace");
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
  };
}

export { EchoService };
