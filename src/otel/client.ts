/**
 * A client interceptor that traces every call: a CLIENT span per call named "package.Service/Method", with the
 * RPC semantic-convention attributes, and the span's context injected into the request metadata (W3C traceparent
 * with the propagator the application registered, or the one given here).
 */
import { SpanKind, type Attributes, type TextMapPropagator, type Tracer, context, propagation, trace } from "@opentelemetry/api";
import type { ClientInterceptor } from "../client/interceptors.js";
import {
  ATTR_RPC_METHOD, ATTR_RPC_SERVICE, ATTR_RPC_SYSTEM, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT, targetAddress,
} from "./attributes.js";
import { metadataSetter } from "./carrier.js";
import { endWithStream, runInSpan, spanEnder } from "./span-end.js";

export interface OtelOptions {
  /** Default: trace.getTracer("fastgrpc") from the global tracer provider. */
  tracer?: Tracer;
  /** Default: the global propagator (`propagation`), which the OpenTelemetry SDK sets to W3C trace context. */
  propagator?: TextMapPropagator;
}

export const TRACER_NAME = "fastgrpc";

export function otelClientInterceptor(options: OtelOptions = {}): ClientInterceptor {
  return (next) => async (request) => {
    const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
    const propagator = options.propagator ?? propagation;
    const { address, port } = targetAddress(request.target);
    const attributes: Attributes = {
      [ATTR_RPC_SYSTEM]: "grpc",
      [ATTR_RPC_SERVICE]: request.method.service,
      [ATTR_RPC_METHOD]: request.method.name,
      [ATTR_SERVER_ADDRESS]: address,
      ...(port !== undefined ? { [ATTR_SERVER_PORT]: port } : {}),
    };
    const span = tracer.startSpan(`${request.method.service}/${request.method.name}`, { kind: SpanKind.CLIENT, attributes });
    const spanContext = trace.setSpan(context.active(), span);
    request.metadata = { ...request.metadata };
    propagator.inject(spanContext, request.metadata, metadataSetter);
    const end = spanEnder(span, "client");
    const response = await runInSpan(spanContext, end, () => next(request));
    if (!response.stream) {
      end.ok();
      return response;
    }
    const messages = endWithStream(response.messages, end);
    return {
      stream: true,
      messages,
      get headers() { return response.headers; },
      get trailers() { return response.trailers; },
    };
  };
}
