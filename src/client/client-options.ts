/** The options of GrpcClient and of each call (split from client.ts to keep it to the client itself). */
import type { ClientEngine } from "../engine/types.js";
import type { CompressionName } from "../protocol/compression.js";
import type { CallMetadata } from "../protocol/metadata.js";
import type { TlsClientOptions } from "../transport/tls.js";
import type { Connector } from "./connector.js";
import type { BackoffOptions, LoadBalancingPolicy } from "./pool.js";
import type { Resolver } from "./resolver/index.js";
import type { ClientInterceptor } from "./interceptors.js";
import type { ResponseListener } from "./response-metadata.js";
import type { ServiceConfigInput } from "./retry/client-retry.js";

export interface ClientOptions {
  /** HTTP/2 sessions per target (default 1). */
  connections?: number;
  /** The HTTP/2 engine (default fastgrpc's own, "h2"; node:http2 is `nodeClientEngine`). */
  engine?: ClientEngine;
  /** Replaces the standard transport+engine connector (tests, custom transports). */
  connector?: Connector;
  /** Connection attempts give up after this long (default 10 s). */
  connectTimeoutMs?: number;
  /** Largest response message accepted (default 4 MiB). */
  maxMessageBytes?: number;
  /** Deadline for calls that set none (default: none). */
  defaultTimeoutMs?: number;
  /** Hard cap of sessions per target while every session is at the server's stream limit (default max(4, 4 x connections)). */
  maxConnections?: number;
  /** HTTP/2 PING every this many ms on each session (default off; gRPC advises no less than 60000). */
  keepaliveIntervalMs?: number;
  /** A keepalive PING unanswered this long (ms) closes its session (default 20000). */
  keepaliveTimeoutMs?: number;
  /** Reconnect backoff (default gRPC's: 1 s, x1.6 per failure, +-20% jitter, at most 120 s). */
  backoff?: Partial<BackoffOptions>;
  /**
   * CA, client certificate and key for tls:// targets (default: the system's CAs, no client certificate). Given,
   * it also asks for TLS on dns:, ipv4: and ipv6: targets: every address they resolve to is dialled as tls://
   * (`{}` = TLS with the system's CAs), a dns: target's certificate checked against its HOST.
   */
  tls?: TlsClientOptions;
  /**
   * Compress requests with this algorithm and tell servers (grpc-accept-encoding) that compressed responses are
   * welcome; "identity" only advertises. Default: neither, so no header is added (compressed responses are read anyway).
   */
  compression?: CompressionName;
  /** Requests smaller than this many bytes go uncompressed (default 1024). */
  compressionThresholdBytes?: number;
  /** Run around every call, first = outermost (default none: calls then take the direct path). */
  interceptors?: readonly ClientInterceptor[];
  /** How calls spread over the resolved addresses: "round_robin" (default) or "pick_first" (docs/fleet.md). */
  loadBalancing?: LoadBalancingPolicy;
  /** While nothing is reachable, calls wait until their deadline instead of failing fast with UNAVAILABLE. */
  waitForReady?: boolean;
  /** Supplies the addresses instead of the target name (a service registry; ManualResolver in tests). */
  resolver?: Resolver;
  /* service config and retries (issue 14, docs/fleet.md) */
  /**
   * gRPC service config (A2): per-method timeout, message limits, retryPolicy or hedgingPolicy (A6) and
   * retryThrottling; JSON text, parsed JSON, or parseServiceConfig()'s result. Invalid: the constructor throws a
   * TypeError naming the field. Unary calls only for now (streaming calls get transparent retries only).
   */
  serviceConfig?: ServiceConfigInput;
}

export interface CallOptions extends ResponseListener {
  /** Deadline relative to now: sent as grpc-timeout and enforced locally. */
  timeoutMs?: number;
  /** Request metadata; values of "-bin" keys may be bytes (sent as base64). */
  metadata?: CallMetadata;
  signal?: AbortSignal;
  /**
   * While no server is reachable, wait until the deadline instead of failing fast with UNAVAILABLE (gRPC's
   * wait-for-ready); over the service config's and the client's `waitForReady`.
   */
  waitForReady?: boolean;
  /** This call's compression, over the client's `compression` option. */
  compression?: CompressionName;
  /** Streaming calls on a compressed call: whether request number `index` (from 0) is compressed (default all). */
  compressRequest?: (index: number) => boolean;
}
