/**
 * A server interceptor that traces every call: a SERVER span per call named "package.Service/Method", continuing
 * the trace the client propagated (W3C traceparent in the request metadata), with the RPC semantic-convention
 * attributes. The handler runs inside the span's context, so its own spans become children.
 */
import { SpanKind, type Attributes, context, propagation, trace } from "@opentelemetry/api";
import type { ServerInterceptor } from "../server/interceptors.js";
import {
  ATTR_NETWORK_PEER_ADDRESS, ATTR_NETWORK_PEER_PORT, ATTR_NETWORK_TRANSPORT, ATTR_RPC_METHOD, ATTR_RPC_SERVICE, ATTR_RPC_SYSTEM,
} from "./attributes.js";
import { metadataGetter } from "./carrier.js";
import { type OtelOptions, TRACER_NAME } from "./client.js";
import { endWithStream, runInSpan, spanEnder } from "./span-end.js";

export function otelServerInterceptor(options: OtelOptions = {}): ServerInterceptor {
  return (next) => async (request) => {
    const tracer = options.tracer ?? trace.getTracer(TRACER_NAME);
    const propagator = options.propagator ?? propagation;
    const ctx = request.context;
    const parent = propagator.extract(context.active(), ctx.metadata(), metadataGetter);
    const peer = ctx.peer;
    const attributes: Attributes = {
      [ATTR_RPC_SYSTEM]: "grpc",
      [ATTR_RPC_SERVICE]: request.method.service,
      [ATTR_RPC_METHOD]: request.method.name,
      [ATTR_NETWORK_TRANSPORT]: peer.transport === "vsock" ? "vsock" : "tcp",
      ...(peer.address !== undefined ? { [ATTR_NETWORK_PEER_ADDRESS]: peer.address } : {}),
      ...(peer.port !== undefined ? { [ATTR_NETWORK_PEER_PORT]: peer.port } : {}),
    };
    const span = tracer.startSpan(`${request.method.service}/${request.method.name}`, { kind: SpanKind.SERVER, attributes }, parent);
    const end = spanEnder(span, "server");
    // Deadlines, client cancels and shutdown end the call outside the handler: the signal's reason is the status.
    ctx.signal.addEventListener("abort", () => end.failed(ctx.signal.reason), { once: true });
    const spanContext = trace.setSpan(parent, span);
    const response = await runInSpan(spanContext, end, () => next(request));
    if (!response.stream) {
      end.ok();
      return response;
    }
    return { stream: true, messages: endWithStream(response.messages, end) };
  };
}
