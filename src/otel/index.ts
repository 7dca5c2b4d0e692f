/**
 * fastgrpc/otel: OpenTelemetry tracing for fastgrpc clients and servers, as interceptors. Needs
 * @opentelemetry/api (an optional peer dependency: only applications that import this entry need it).
 *
 *   import { otelClientInterceptor, otelServerInterceptor } from "fastgrpc/otel";
 *   const server = new GrpcServer({ interceptors: [otelServerInterceptor()] });
 *   const client = new GrpcClient(url, { interceptors: [otelClientInterceptor()] });
 */
export { otelClientInterceptor, type OtelOptions, TRACER_NAME } from "./client.js";
export { otelServerInterceptor } from "./server.js";
export {
  ATTR_RPC_SYSTEM, ATTR_RPC_SERVICE, ATTR_RPC_METHOD, ATTR_RPC_GRPC_STATUS_CODE, ATTR_SERVER_ADDRESS, ATTR_SERVER_PORT,
  ATTR_NETWORK_PEER_ADDRESS, ATTR_NETWORK_PEER_PORT, ATTR_NETWORK_TRANSPORT,
} from "./attributes.js";
