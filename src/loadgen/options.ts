/**
 * fastgrpc-bench's command line: parsing with node:util parseArgs and validation into BenchOptions. Every bad input
 * becomes a UsageError whose message is one line fit for the user.
 */
import { parseArgs } from "node:util";
import { ENGINE_NAMES, type EngineName, isEngineName } from "../engine/registry.js";
import { isReservedHeader } from "../protocol/metadata.js";
import { isResolverTarget, resolverFor } from "../client/resolver/index.js";
import { AddressError } from "../transport/address.js";
import { readServiceConfigFile } from "../client/service-config-file.js";
import { parseDuration } from "./duration.js";
import { type RateSchedule, parseRateSchedule } from "./rate-schedule.js";
import {
  DEFAULT_ALGORITHM_FOR_KEY_TYPE,
  DEFAULT_SIGN_ALGORITHM,
  KEY_TYPES,
  SIGNATURE_ALGORITHMS,
  keyTypeName,
} from "./sign-algorithms.js";

export class UsageError extends Error {
  override readonly name = "UsageError";
}

export type BenchService = "echo" | "sign";

export interface BenchOptions {
  /** The first --target; `targets` has them all (calls are spread over them). */
  readonly target: string;
  readonly targets: readonly string[];
  readonly service: BenchService;
  /** --call package.Service/Method: any method, its schema from reflection or --proto; undefined = `service`. */
  readonly call: string | undefined;
  /** --call's request: JSON (protobuf JSON mapping, with {{counter}}/{{random}}/{{uuid}}), or a binary file. */
  readonly data: string | undefined;
  readonly dataFile: string | undefined;
  readonly protoFiles: readonly string[];
  readonly importPaths: readonly string[];
  /** Sent with every call (--metadata "key: value"). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Streaming methods: requests per stream, their spacing, and when to close the stream. */
  readonly stream: { readonly messages: number | undefined; readonly intervalMs: number; readonly durationMs: number | undefined };
  /** tls:// targets: CA, client certificate and key files; insecure = accept any server certificate. */
  readonly tls: { readonly ca: string | undefined; readonly cert: string | undefined; readonly key: string | undefined; readonly insecure: boolean };
  /** Sign only: command-line names (resolved, so both are set for sign). */
  readonly keyType: string | undefined;
  readonly algorithm: string | undefined;
  readonly payloadBytes: number;
  /** "closed": `concurrency` calls in flight; "open": `rate` calls/s scheduled at fixed intervals. */
  readonly mode: "closed" | "open";
  readonly concurrency: number;
  /** Open loop: calls/s at the start (the whole run for a constant rate). */
  readonly rate: number | undefined;
  /** Open loop: the rate over time (constant, steps or ramp). */
  readonly rateSchedule: RateSchedule | undefined;
  /** Open loop: a call sent more than this many ms after its scheduled time is late (the generator fell behind). */
  readonly maxLagMs: number;
  /** Open loop: calls in flight at most (all threads); calls due beyond it wait for a free slot. */
  readonly maxInFlight: number;
  readonly connections: number;
  readonly threads: number;
  /** Exactly one of durationMs and requests is set. */
  readonly durationMs: number | undefined;
  readonly requests: number | undefined;
  readonly warmupMs: number;
  /** Per-call deadline (sent as grpc-timeout, enforced locally); undefined = none. */
  readonly timeoutMs: number | undefined;
  readonly jsonFile: string | undefined;
  readonly htmlFile: string | undefined;
  /** HdrHistogram percentile text (.hgrm): the corrected latency here, the service time beside it (open loop). */
  readonly hgrmFile: string | undefined;
  /** A fraction (0.01 = 1 %); undefined = never fail on errors. */
  readonly maxErrorRate: number | undefined;
  /** The client's HTTP/2 engine, by registry name; undefined = the client's default. */
  readonly engine: EngineName | undefined;
  /** Only make the probe call and exit: 0 when it succeeds. */
  readonly probeOnly: boolean;
  /** --service-config FILE: the checked gRPC service config JSON for the client (retries, hedging, timeouts). */
  readonly serviceConfig?: Record<string, unknown> | undefined;
}

export type ParsedCommandLine = { readonly help: true } | { readonly help: false; readonly options: BenchOptions };

export const DEFAULTS = {
  service: "echo",
  payloadBytes: 64,
  concurrency: 50,
  connections: 1,
  threads: 1,
  durationMs: 10_000,
  warmupMs: 1_000,
  maxLagMs: 10,
  /** Per connection: fastgrpc-server's SETTINGS_MAX_CONCURRENT_STREAMS, so open-loop calls rarely wait in the pool. */
  maxInFlightPerConnection: 1_000,
} as const;

const MAX_THREADS = 256;
const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

const OPTION_SPEC = {
  target: { type: "string", multiple: true },
  service: { type: "string" },
  call: { type: "string" },
  data: { type: "string" },
  "data-file": { type: "string" },
  proto: { type: "string", multiple: true },
  "import-path": { type: "string", multiple: true },
  metadata: { type: "string", multiple: true },
  "stream-messages": { type: "string" },
  "stream-interval": { type: "string" },
  "stream-duration": { type: "string" },
  ca: { type: "string" },
  cert: { type: "string" },
  key: { type: "string" },
  insecure: { type: "boolean" },
  "key-type": { type: "string" },
  algorithm: { type: "string" },
  "payload-bytes": { type: "string" },
  concurrency: { type: "string" },
  rate: { type: "string" },
  "max-lag": { type: "string" },
  "max-in-flight": { type: "string" },
  connections: { type: "string" },
  threads: { type: "string" },
  duration: { type: "string" },
  requests: { type: "string" },
  warmup: { type: "string" },
  timeout: { type: "string" },
  json: { type: "string" },
  html: { type: "string" },
  hgrm: { type: "string" },
  "max-error-rate": { type: "string" },
  engine: { type: "string" },
  probe: { type: "boolean" },
  "service-config": { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** Parses argv (without the node and script entries). Throws UsageError. */
export function parseCommandLine(argv: readonly string[]): ParsedCommandLine {
  let values: ReturnType<typeof parseWithSpec>;
  try {
    values = parseWithSpec(argv);
  } catch (error) {
    throw new UsageError(describeParseError(error));
  }
  if (values.help === true) return { help: true };

  const targets = values.target ?? [];
  const target = targets[0];
  if (target === undefined) throw new UsageError("--target is required (tcp://HOST:PORT, tls://HOST:PORT, vsock://CID:PORT, unix:///PATH, dns:///HOST:PORT or ipv4:/ipv6: lists)");
  try {
    resolverFor(targets); // checks every name (and that a dns: target stands alone) without resolving it
  } catch (error) {
    if (error instanceof AddressError || error instanceof TypeError) throw new UsageError(`--target: ${error.message}`);
    throw error;
  }

  const call = values.call;
  if (call !== undefined) {
    for (const builtIn of ["service", "key-type", "algorithm", "payload-bytes"] as const) {
      if (values[builtIn] !== undefined) throw new UsageError(`--${builtIn} is for the built-in services; --call sends --data instead`);
    }
    if (values.data !== undefined && values["data-file"] !== undefined) throw new UsageError("--data and --data-file cannot be used together");
  } else {
    for (const callOnly of ["data", "data-file", "proto", "import-path"] as const) {
      if (values[callOnly] !== undefined) throw new UsageError(`--${callOnly} needs --call package.Service/Method`);
    }
  }
  const service = values.service ?? DEFAULTS.service;
  if (service !== "echo" && service !== "sign") throw new UsageError(`--service must be echo or sign, not "${service}"`);
  const { keyType, algorithm } = resolveSignChoice(service, values["key-type"], values.algorithm);
  const metadata = metadataValue(values.metadata ?? []);
  const stream = {
    messages: optionalInteger("--stream-messages", values["stream-messages"], 1, Number.MAX_SAFE_INTEGER) ??
      (values["stream-duration"] === undefined ? 1 : undefined),
    intervalMs: values["stream-interval"] === undefined ? 0 : durationValue("--stream-interval", values["stream-interval"]),
    durationMs: values["stream-duration"] === undefined ? undefined : durationValue("--stream-duration", values["stream-duration"]),
  };
  const tls = { ca: values.ca, cert: values.cert, key: values.key, insecure: values.insecure === true };
  if ((tls.cert === undefined) !== (tls.key === undefined)) throw new UsageError("--cert and --key go together");
  // dns:, ipv4:, ipv6: names carry no scheme: these options dial every address they resolve to over TLS.
  if ((tls.ca !== undefined || tls.cert !== undefined || tls.insecure) && !targets.every((t) => t.startsWith("tls://") || isResolverTarget(t))) {
    throw new UsageError("--ca, --cert, --key and --insecure apply to tls:// targets only (and to dns:, ipv4:, ipv6: names, dialled over TLS)");
  }

  const payloadBytes = optionalInteger("--payload-bytes", values["payload-bytes"], 0, MAX_PAYLOAD_BYTES) ?? DEFAULTS.payloadBytes;

  if (values.concurrency !== undefined && values.rate !== undefined) {
    throw new UsageError("--concurrency (closed loop) and --rate (open loop) cannot be used together");
  }
  const rateSchedule = values.rate === undefined ? undefined : rateScheduleValue(values.rate);
  const rate = rateSchedule?.start;
  const mode = rate === undefined ? "closed" : "open";
  const maxLagMs = values["max-lag"] === undefined ? DEFAULTS.maxLagMs : durationValue("--max-lag", values["max-lag"]);
  if (values["max-lag"] !== undefined && mode === "closed") throw new UsageError("--max-lag applies to the open loop (--rate)");
  if (values["max-in-flight"] !== undefined && mode === "closed") throw new UsageError("--max-in-flight applies to the open loop (--rate)");
  const threads = optionalInteger("--threads", values.threads, 1, MAX_THREADS) ?? DEFAULTS.threads;
  const maxInFlightText = values["max-in-flight"];
  const concurrency = optionalInteger("--concurrency", values.concurrency, 1, 1_000_000) ?? DEFAULTS.concurrency;
  if (mode === "closed" && concurrency < threads) {
    throw new UsageError(`--concurrency ${concurrency} is lower than --threads ${threads}: each thread needs a call in flight`);
  }
  const connections = optionalInteger("--connections", values.connections, 1, 100_000) ?? Math.max(DEFAULTS.connections, threads);
  if (connections < threads) {
    throw new UsageError(`--connections ${connections} is lower than --threads ${threads}: each thread has its own connections`);
  }
  const maxInFlight =
    optionalInteger("--max-in-flight", maxInFlightText, 1, 100_000_000) ?? DEFAULTS.maxInFlightPerConnection * connections * targets.length;
  if (maxInFlight < threads) throw new UsageError(`--max-in-flight ${maxInFlight} is lower than --threads ${threads}`);

  if (values.duration !== undefined && values.requests !== undefined) {
    throw new UsageError("--duration and --requests cannot be used together");
  }
  const requests = optionalInteger("--requests", values.requests, 1, Number.MAX_SAFE_INTEGER);
  if (requests !== undefined && requests < threads) {
    throw new UsageError(`--requests ${requests} is lower than --threads ${threads}`);
  }
  let durationMs: number | undefined;
  if (requests === undefined) {
    durationMs = values.duration === undefined ? DEFAULTS.durationMs : durationValue("--duration", values.duration);
    if (durationMs <= 0) throw new UsageError("--duration must be greater than zero");
  }
  const warmupMs = values.warmup === undefined ? DEFAULTS.warmupMs : durationValue("--warmup", values.warmup);
  const timeoutMs = values.timeout === undefined ? undefined : timeoutValue(values.timeout);

  const maxErrorRate = values["max-error-rate"] === undefined ? undefined : errorRateValue(values["max-error-rate"]);

  const engineText = values.engine;
  if (engineText !== undefined && !isEngineName(engineText)) {
    throw new UsageError(`--engine must be one of ${ENGINE_NAMES.join(", ")}, not "${engineText}"`);
  }
  const engine = engineText;

  return {
    help: false,
    options: {
      target,
      targets,
      service,
      call,
      data: values.data,
      dataFile: nonEmptyPath("--data-file", values["data-file"]),
      protoFiles: values.proto ?? [],
      importPaths: values["import-path"] ?? [],
      metadata,
      stream,
      tls,
      keyType,
      algorithm,
      payloadBytes,
      mode,
      concurrency,
      rate,
      rateSchedule,
      maxLagMs,
      maxInFlight,
      connections,
      threads,
      durationMs,
      requests,
      warmupMs,
      timeoutMs,
      jsonFile: nonEmptyPath("--json", values.json),
      htmlFile: nonEmptyPath("--html", values.html),
      hgrmFile: nonEmptyPath("--hgrm", values.hgrm),
      maxErrorRate,
      engine,
      probeOnly: values.probe === true,
      serviceConfig: serviceConfigOption(values["service-config"]),
    },
  };
}

function serviceConfigOption(file: string | undefined): Record<string, unknown> | undefined {
  if (file === undefined) return undefined;
  try {
    return readServiceConfigFile(file);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function parseWithSpec(argv: readonly string[]) {
  return parseArgs({ args: [...argv], options: OPTION_SPEC, strict: true, allowPositionals: false }).values;
}

/** node:util's messages are long and mention positionals; say the one thing that is wrong instead. */
function describeParseError(error: unknown): string {
  const code = error instanceof Error && "code" in error ? String(error.code) : "";
  const message = error instanceof Error ? error.message : String(error);
  const quoted = /'([^']+)'/.exec(message)?.[1];
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option ${quoted ?? message} (see --help)`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument "${quoted ?? message}" (options take the form --name value; see --help)`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE": {
      const option = /--[a-z-]+/.exec(message)?.[0];
      if (option !== undefined && message.includes("does not take an argument")) return `${option} takes no value`;
      if (option !== undefined && message.includes("ambiguous")) return `a value of ${option} that starts with "-" must be written ${option}=VALUE`;
      return option === undefined ? message : `${option} needs a value`;
    }
    default:
      return message;
  }
}

function resolveSignChoice(
  service: BenchService,
  keyTypeText: string | undefined,
  algorithmText: string | undefined,
): { keyType: string | undefined; algorithm: string | undefined } {
  if (service === "echo") {
    if (keyTypeText !== undefined) throw new UsageError("--key-type only applies to --service sign");
    if (algorithmText !== undefined) throw new UsageError("--algorithm only applies to --service sign");
    return { keyType: undefined, algorithm: undefined };
  }
  const keyType = keyTypeText === undefined ? undefined : KEY_TYPES.get(keyTypeText);
  if (keyTypeText !== undefined && keyType === undefined) {
    throw new UsageError(`unknown --key-type "${keyTypeText}": use one of ${[...KEY_TYPES.keys()].join(", ")}`);
  }
  const algorithm =
    algorithmText ?? (keyType === undefined ? DEFAULT_SIGN_ALGORITHM : DEFAULT_ALGORITHM_FOR_KEY_TYPE.get(keyType));
  const entry = algorithm === undefined ? undefined : SIGNATURE_ALGORITHMS.get(algorithm);
  if (algorithm === undefined || entry === undefined) {
    throw new UsageError(
      `unknown --algorithm "${algorithmText ?? ""}": use one of ${[...SIGNATURE_ALGORITHMS.keys()].join(", ")}`,
    );
  }
  if (keyType !== undefined && entry.keyType !== keyType) {
    throw new UsageError(
      `--algorithm ${algorithm} needs --key-type ${keyTypeName(entry.keyType)}, not ${keyTypeText ?? ""}`,
    );
  }
  return { keyType: keyTypeName(entry.keyType), algorithm };
}

function optionalInteger(name: string, text: string | undefined, min: number, max: number): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError(`${name} must be a whole number, not "${text}"`);
  const value = Number(text);
  if (value < min || value > max) throw new UsageError(`${name} must be between ${min} and ${max}, not ${text}`);
  return value;
}

function rateScheduleValue(text: string): RateSchedule {
  const schedule = parseRateSchedule(text);
  if (typeof schedule === "string") throw new UsageError(`--rate ${schedule}`);
  return schedule;
}

function durationValue(name: string, text: string): number {
  const ms = parseDuration(text);
  if (ms === undefined) throw new UsageError(`${name} must be a duration such as 10s, 500ms or 1m, not "${text}"`);
  return ms;
}

/** --timeout takes milliseconds, or a duration with a unit; 0 means no deadline. */
function timeoutValue(text: string): number | undefined {
  const ms = /^\d+$/.test(text) ? Number(text) : parseDuration(text);
  if (ms === undefined || ms > 2_147_483_647) {
    throw new UsageError(`--timeout must be a number of milliseconds (or a duration such as 2s), not "${text}"`);
  }
  return ms === 0 ? undefined : ms;
}

/** "0.01" or "1%". */
function errorRateValue(text: string): number {
  const percent = text.endsWith("%");
  const number = percent ? text.slice(0, -1) : text;
  const value = /^\d+(\.\d+)?$/.test(number) ? Number(number) / (percent ? 100 : 1) : Number.NaN;
  if (!(value >= 0 && value <= 1)) {
    throw new UsageError(`--max-error-rate must be a fraction from 0 to 1 (or a percentage such as 1%), not "${text}"`);
  }
  return value;
}

/** --metadata "key: value" (or key=value), repeatable; keys are lower-cased as HTTP/2 requires. */
function metadataValue(entries: readonly string[]): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const entry of entries) {
    const match = /^\s*([^:=\s]+)\s*[:=]\s?(.*)$/.exec(entry);
    const key = match?.[1]?.toLowerCase();
    if (match === null || key === undefined || !/^[0-9a-z_.-]+$/.test(key)) {
      throw new UsageError(`--metadata must be "key: value" with a key of a-z 0-9 _ . -, not "${entry}"`);
    }
    if (isReservedHeader(key)) throw new UsageError(`--metadata ${key} is reserved by gRPC or HTTP/2`);
    metadata[key] = match[2] ?? "";
  }
  return metadata;
}

function nonEmptyPath(name: string, text: string | undefined): string | undefined {
  if (text === "") throw new UsageError(`${name} needs a file name`);
  return text;
}
