/**
 * `fastgrpc/server`: serving gRPC. GrpcServer serves any protobuf-es v2 service descriptor (your own protos too).
 * The node:http2 engine is not here (importing it loads node:http2, ~3 MB): it is exported by "fastgrpc".
 */
export { GrpcServer, type ServerOptions, type ListenOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS } from "../server/server.js";
export type { ServerKeepaliveOptions } from "../server/connection-management/index.js";
export type { CallContext, ServiceImpl, UnaryHandler, ServerStreamingHandler, ClientStreamingHandler, BidiStreamingHandler } from "../server/service.js";
export { HealthRegistry, ServingStatus } from "../server/health.js";
export { ServerMetrics } from "../server/metrics.js";
export { serveMetrics, type MetricsEndpoint } from "../server/metrics-http.js";
export { createH2ServerEngine } from "../engine/h2/index.js";
export type { TlsServerOptions } from "../transport/tls.js";
export type { Listener, PeerInfo } from "../transport/types.js";
export type { Metadata } from "../protocol/metadata.js";
export { Code, codeName } from "../errors/codes.js";
export { GrpcError } from "../errors/grpc-error.js";
export { createLogger, type Logger, type LogLevel } from "../log/logger.js";
export type { CompressionName } from "../protocol/compression.js";
export type {
  ServerInterceptor, ServerCallFn, ServerRequest, ServerUnaryRequest, ServerStreamRequest, ServerResponse,
  ServerUnaryResponse, ServerStreamResponse,
} from "../server/interceptors.js";
export type { CallMetadata, MetadataValue } from "../protocol/metadata.js";
export { metadataText } from "../protocol/metadata.js";
export { type GrpcErrorOptions } from "../errors/grpc-error.js";
export { detail, type ErrorDetail, type OutgoingDetail, STATUS_DETAILS_KEY } from "../errors/status-details.js";
export type { TlsPeerInfo, PeerCertificate } from "../transport/types.js";
export { capYoungGeneration, YOUNG_GENERATION_MB } from "../runtime/young-generation.js";
