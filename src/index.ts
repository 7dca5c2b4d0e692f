/** The fastgrpc library API. */
export { Code, codeName } from "./errors/codes.js";
export { GrpcError } from "./errors/grpc-error.js";
export { errors } from "./errors/catalog.js";
export type { Metadata } from "./protocol/metadata.js";
export { GrpcServer, type ServerOptions, DEFAULT_MAX_MESSAGE_BYTES, DEFAULT_SHUTDOWN_GRACE_MS } from "./server/server.js";
export type { CallContext, ServiceImpl, UnaryHandler } from "./server/service.js";
export { GrpcClient, type ClientOptions, type CallOptions } from "./client/client.js";
export { buildConnector, type Connector } from "./client/connector.js";
export { ConnectionPool } from "./client/pool.js";
export { parseAddress, formatAddress, type Address } from "./transport/address.js";
export type { Transport, Listener, PeerInfo } from "./transport/types.js";
export type * from "./engine/types.js";
export { createEchoService, EchoService } from "./services/echo.js";
export { createLogger, type Logger, type LogLevel } from "./log/logger.js";
