/** Ending an RPC span once, with the gRPC status the call ended with. */
import { type Context, type Span, SpanStatusCode, context } from "@opentelemetry/api";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { ATTR_RPC_GRPC_STATUS_CODE, isSpanError } from "./attributes.js";

export interface SpanEnder {
  ok(): void;
  failed(error: unknown): void;
}

/** The first outcome wins: a streaming call can end through its iterator and through its abort signal. */
export function spanEnder(span: Span, side: "client" | "server"): SpanEnder {
  let ended = false;
  return {
    ok() {
      if (ended) return;
      ended = true;
      span.setAttribute(ATTR_RPC_GRPC_STATUS_CODE, Code.OK);
      span.end();
    },
    failed(error) {
      if (ended) return;
      ended = true;
      const grpcError = GrpcError.from(error);
      span.setAttribute(ATTR_RPC_GRPC_STATUS_CODE, grpcError.code);
      if (isSpanError(grpcError.code, side)) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: grpcError.rawMessage });
        span.recordException(grpcError);
      }
      span.end();
    },
  };
}

/** The stream, passed through; the span ends when it does (an early return counts as CANCELLED). */
export async function* endWithStream<T>(messages: AsyncIterable<T>, end: SpanEnder): AsyncGenerator<T> {
  let finished = false;
  try {
    yield* messages;
    finished = true;
    end.ok();
  } catch (error) {
    finished = true;
    end.failed(error);
    throw error;
  } finally {
    if (!finished) end.failed(new GrpcError(Code.CANCELLED, "the reader stopped early"));
  }
}

/** Runs the rest of the chain inside the span's context; a call that fails there ends the span with its status. */
export async function runInSpan<R>(spanContext: Context, end: SpanEnder, run: () => R | Promise<R>): Promise<R> {
  try {
    return await context.with(spanContext, run);
  } catch (error) {
    end.failed(error);
    throw error;
  }
}
