/** `fastgrpc/client`: calling gRPC services (any protobuf-es v2 method descriptor: unary and the three streaming kinds). */
export { GrpcClient, type ClientOptions, type CallOptions } from "../client/client.js";
export { buildConnector, type Connector } from "../client/connector.js";
export { ConnectionPool } from "../client/pool.js";
export { h2ClientEngine } from "../engine/h2/index.js";
export { nodeClientEngine } from "../engine/node/client.js";
export { parseAddress, formatAddress, type Address } from "../transport/address.js";
export type { TlsClientOptions } from "../transport/tls.js";
export type { Metadata } from "../protocol/metadata.js";
export { Code, codeName } from "../errors/codes.js";
export { GrpcError } from "../errors/grpc-error.js";
