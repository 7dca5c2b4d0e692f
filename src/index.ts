/** The fastgrpc library API. */
export { Code, codeName } from "./errors/codes.js";
export { GrpcError } from "./errors/grpc-error.js";
export { errors } from "./errors/catalog.js";
export type { Metadata } from "./protocol/metadata.js";
export type { CompressionName } from "./protocol/compression.js";
export { GrpcServer, type ServerOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS } from "./server/server.js";
export type { ServerKeepaliveOptions } from "./server/connection-management/index.js";
export type { CallContext, ServiceImpl, UnaryHandler } from "./server/service.js";
export { GrpcClient, type ClientOptions, type CallOptions } from "./client/client.js";
export { buildConnector, type Connector } from "./client/connector.js";
export { ConnectionPool } from "./client/pool.js";
export { parseAddress, formatAddress, type Address } from "./transport/address.js";
export type { Transport, Listener, PeerInfo } from "./transport/types.js";
export type * from "./engine/types.js";
export { createEchoService, EchoService } from "./services/echo.js";
export { createLogger, type Logger, type LogLevel } from "./log/logger.js";
export type { ServerStreamingHandler, ClientStreamingHandler, BidiStreamingHandler } from "./server/service.js";
export type { ListenOptions } from "./server/server.js";
export { HealthRegistry, ServingStatus } from "./server/health.js";
export { ServerMetrics } from "./server/metrics.js";
export { serveMetrics, type MetricsEndpoint } from "./server/metrics-http.js";
export type { TlsServerOptions, TlsClientOptions } from "./transport/tls.js";
export { createH2ServerEngine, h2ClientEngine } from "./engine/h2/index.js";
export { createNodeServerEngine } from "./engine/node/server.js";
export { nodeClientEngine } from "./engine/node/client.js";
// Crypto: the service, its keys, and typed client helpers.
export { createCryptoService } from "./services/crypto.js";
export { CryptoService } from "./gen/fastgrpc/crypto/v1/crypto_pb.js";
export { Keyring, generateKeyring } from "./crypto/keyring.js";
export { KeyType, SignatureAlgorithm, sign, getPublicKey, verify, verifyLocally } from "./client/crypto-client.js";
// Library API (issue 13): typed clients, interceptors, metadata with bytes, rich error details, peer details.
export { createClient, type Client, type ClientMethod } from "./client/create-client.js";
export type {
  ClientInterceptor, ClientCallFn, ClientRequest, ClientUnaryRequest, ClientStreamRequest, ClientResponse,
  ClientUnaryResponse, ClientStreamResponse, MethodInfo,
} from "./client/interceptors.js";
export type { ResponseListener } from "./client/response-metadata.js";
export type {
  ServerInterceptor, ServerCallFn, ServerRequest, ServerUnaryRequest, ServerStreamRequest, ServerResponse,
  ServerUnaryResponse, ServerStreamResponse,
} from "./server/interceptors.js";
export type { CallMetadata, MetadataValue } from "./protocol/metadata.js";
export { metadataText } from "./protocol/metadata.js";
export { type GrpcErrorOptions } from "./errors/grpc-error.js";
export { detail, type ErrorDetail, type OutgoingDetail, STATUS_DETAILS_KEY } from "./errors/status-details.js";
export * from "./gen/google/rpc/error_details_pb.js";
export { StatusSchema, type Status } from "./gen/google/rpc/status_pb.js";
export type { TlsPeerInfo, PeerCertificate } from "./transport/types.js";
// Fleet (issue 14): target resolution (dns:///, ipv4:/ipv6:, custom resolvers) and load-balancing policies.
export { DnsResolver, ManualResolver, StaticResolver, parseTarget, type DnsLookup, type DnsResolverOptions, type Resolver, type ResolverListener } from "./client/resolver/index.js";
export type { LoadBalancingPolicy, SubchannelInfo } from "./client/pool.js";
// Service config and retries (issue 14, docs/fleet.md).
export { parseServiceConfig, type ServiceConfig, type MethodConfig, type RetryPolicy, type HedgingPolicy, type RetryThrottling } from "./client/service-config.js";
export type { ClientRetryStats } from "./client/retry/stats.js";
