/** The GrpcClient a load thread (or the reflection lookup) uses: targets, engine, TLS and the calls' options. */
import { type CallOptions, GrpcClient } from "../client/client.js";
import { clientEngine } from "../engine/registry.js";
import { readPem, type TlsClientOptions } from "../transport/tls.js";
import type { BenchOptions } from "./options.js";
import { BenchRuntimeError } from "./probe.js";

const CONNECT_TIMEOUT_MS = 10_000;

export function createBenchClient(options: BenchOptions, connections: number): GrpcClient {
  const tls = tlsOptions(options);
  return new GrpcClient(options.targets, {
    connections,
    ...(options.engine === undefined ? {} : { engine: clientEngine(options.engine) }),
    connectTimeoutMs: Math.min(options.timeoutMs ?? CONNECT_TIMEOUT_MS, CONNECT_TIMEOUT_MS),
    ...(tls === undefined ? {} : { tls }),
    ...(options.serviceConfig === undefined ? {} : { serviceConfig: options.serviceConfig }),
  });
}

/**
 * The options every call shares: one object for the whole run (undefined when there is nothing to set, so the
 * client skips the grpc-timeout header and the timer).
 */
export function sharedCallOptions(options: BenchOptions): CallOptions | undefined {
  const hasMetadata = Object.keys(options.metadata).length > 0;
  if (options.timeoutMs === undefined && !hasMetadata) return undefined;
  return {
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    ...(hasMetadata ? { metadata: options.metadata } : {}),
  };
}

function tlsOptions(options: BenchOptions): TlsClientOptions | undefined {
  const { ca, cert, key, insecure } = options.tls;
  if (ca === undefined && cert === undefined && key === undefined && !insecure) return undefined;
  try {
    return {
      ...(ca === undefined ? {} : { ca: readPem(ca, "--ca") }),
      ...(cert === undefined ? {} : { cert: readPem(cert, "--cert") }),
      ...(key === undefined ? {} : { key: readPem(key, "--key") }),
      ...(insecure ? { rejectUnauthorized: false } : {}),
    };
  } catch (error) {
    throw new BenchRuntimeError(error instanceof Error ? error.message : String(error));
  }
}
