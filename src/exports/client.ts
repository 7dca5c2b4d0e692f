/**
 * `fastgrpc/client`: calling gRPC services (any protobuf-es v2 method descriptor: unary and the three streaming kinds).
 * The node:http2 engine is not here (importing it loads node:http2, ~3 MB): it is exported by "fastgrpc".
 */
export { GrpcClient, type ClientOptions, type CallOptions } from "../client/client.js";
export { buildConnector, type Connector } from "../client/connector.js";
export { ConnectionPool } from "../client/pool.js";
export { h2ClientEngine } from "../engine/h2/index.js";
export { parseAddress, formatAddress, type Address } from "../transport/address.js";
export type { TlsClientOptions } from "../transport/tls.js";
export type { Metadata } from "../protocol/metadata.js";
export { Code, codeName } from "../errors/codes.js";
export { GrpcError } from "../errors/grpc-error.js";
export type { CompressionName } from "../protocol/compression.js";
export { createClient, type Client, type ClientMethod } from "../client/create-client.js";
export type {
  ClientInterceptor, ClientCallFn, ClientRequest, ClientUnaryRequest, ClientStreamRequest, ClientResponse,
  ClientUnaryResponse, ClientStreamResponse, MethodInfo,
} from "../client/interceptors.js";
export type { ResponseListener } from "../client/response-metadata.js";
export type { CallMetadata, MetadataValue } from "../protocol/metadata.js";
export { metadataText } from "../protocol/metadata.js";
export { type GrpcErrorOptions } from "../errors/grpc-error.js";
export { type ErrorDetail, STATUS_DETAILS_KEY } from "../errors/status-details.js";
// Fleet (issue 14): target resolution (dns:///, ipv4:/ipv6:, custom resolvers) and load-balancing policies.
export { DnsResolver, ManualResolver, StaticResolver, parseTarget, type DnsLookup, type DnsResolverOptions, type Resolver, type ResolverListener } from "../client/resolver/index.js";
export type { LoadBalancingPolicy, SubchannelInfo } from "../client/pool.js";
// Service config and retries (issue 14, docs/fleet.md).
export { parseServiceConfig, type ServiceConfig, type MethodConfig, type RetryPolicy, type HedgingPolicy, type RetryThrottling } from "../client/service-config.js";
export type { ClientRetryStats } from "../client/retry/stats.js";
export { capYoungGeneration, YOUNG_GENERATION_MB } from "../runtime/young-generation.js";
