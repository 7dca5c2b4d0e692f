/** The options every fastgrpc-client command shares (target, timeout, engine, TLS), turned into a GrpcClient. */
import { GrpcClient } from "../client/client.js";
import { isResolverTarget } from "../client/resolver/index.js";
import { readServiceConfigFile } from "../client/service-config-file.js";
import { DEFAULT_ENGINE, ENGINE_NAMES, clientEngine, isEngineName } from "../engine/registry.js";
import { readPem, type TlsClientOptions } from "../transport/tls.js";
import { UsageError, positiveInteger } from "./args.js";

export const DEFAULT_TARGET = "tcp://127.0.0.1:50051";
export const DEFAULT_TIMEOUT_MS = 10_000;

/** parseArgs declarations of the shared options. */
export const connectionOptions = {
  target: { type: "string" },
  timeout: { type: "string" },
  engine: { type: "string" },
  tls: { type: "boolean" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  "service-config": { type: "string" },
} as const;

export const CONNECTION_HELP = `  --target URL     tcp://HOST:PORT, tls://HOST:PORT, vsock://CID:PORT, firecracker:///PATH/v.sock:PORT,
                   unix:///PATH, unix-abstract:NAME, dns:///HOST:PORT or ipv4:A:PORT,B:PORT (docs/fleet.md)
                   (default ${DEFAULT_TARGET})
  --timeout MS     deadline for the call (default ${DEFAULT_TIMEOUT_MS})
  --engine NAME    HTTP/2 engine: ${ENGINE_NAMES.join("|")} (default ${DEFAULT_ENGINE})
  --tls            dns:, ipv4:, ipv6: targets: dial every resolved address over TLS (implied by --ca, --cert)
  --ca FILE        tls:// (or --tls) only: PEM CA to trust instead of the system's
  --cert FILE, --key FILE   tls:// (or --tls) only: client certificate and key for servers that require mutual TLS
  --service-config FILE     gRPC service config JSON (method timeouts, retryPolicy, hedgingPolicy; docs/fleet.md)`;

export interface ConnectionValues {
  target?: string | undefined;
  timeout?: string | undefined;
  engine?: string | undefined;
  tls?: boolean | undefined;
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
  "service-config"?: string | undefined;
}

export interface Connection {
  client: GrpcClient;
  timeoutMs: number;
}

export function connect(values: ConnectionValues): Connection {
  const timeoutMs = positiveInteger("timeout", values.timeout, DEFAULT_TIMEOUT_MS);
  const engine = values.engine ?? DEFAULT_ENGINE;
  if (!isEngineName(engine)) throw new UsageError(`--engine must be one of ${ENGINE_NAMES.join("|")}, got "${engine}"`);
  const target = values.target ?? DEFAULT_TARGET;
  if ((values.cert === undefined) !== (values.key === undefined)) throw new UsageError("--cert and --key go together");
  const wantsTls = values.tls === true || values.ca !== undefined || values.cert !== undefined;
  // Resolved names (dns:, ipv4:, ipv6:) carry no scheme: TLS options make every address they resolve to tls://.
  if (wantsTls && !target.startsWith("tls://") && !isResolverTarget(target)) throw new UsageError("--tls, --ca, --cert and --key apply to tls://, dns:, ipv4: and ipv6: targets only");
  let tls: TlsClientOptions | undefined;
  try {
    tls = wantsTls
      ? {
          ...(values.ca !== undefined ? { ca: readPem(values.ca, "--ca") } : {}),
          ...(values.cert !== undefined ? { cert: readPem(values.cert, "--cert") } : {}),
          ...(values.key !== undefined ? { key: readPem(values.key, "--key") } : {}),
        }
      : undefined;
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  let serviceConfig: Record<string, unknown> | undefined;
  try {
    serviceConfig = values["service-config"] === undefined ? undefined : readServiceConfigFile(values["service-config"]);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const client = new GrpcClient(target, { engine: clientEngine(engine), connectTimeoutMs: timeoutMs, ...(tls ? { tls } : {}), ...(serviceConfig ? { serviceConfig } : {}) });
  return { client, timeoutMs };
}
