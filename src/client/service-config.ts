/**
 * gRPC service config (gRPC design A2, retry parts from A6): parses the JSON form into checked, typed values and
 * finds the method config of a call path. Every mistake is a TypeError that names the field, so a bad
 * `--service-config` file fails at start-up, not on the first call.
 *
 *   { "methodConfig": [{ "name": [{ "service": "pkg.Svc" }], "timeout": "1.5s",
 *       "retryPolicy": { "maxAttempts": 3, "initialBackoff": "0.1s", "maxBackoff": "1s", "backoffMultiplier": 2,
 *                        "retryableStatusCodes": ["UNAVAILABLE"] } }],
 *     "retryThrottling": { "maxTokens": 10, "tokenRatio": 0.1 },
 *     "loadBalancingConfig": [{ "round_robin": {} }] }
 */
import { Code } from "../errors/codes.js";

/** A6: maxAttempts above 5 is treated as 5. */
export const MAX_ATTEMPTS_CAP = 5;

export interface RetryPolicy {
  readonly maxAttempts: number;
  readonly initialBackoffMs: number;
  readonly maxBackoffMs: number;
  readonly backoffMultiplier: number;
  readonly retryableStatusCodes: ReadonlySet<Code>;
}

export interface HedgingPolicy {
  readonly maxAttempts: number;
  readonly hedgingDelayMs: number;
  readonly nonFatalStatusCodes: ReadonlySet<Code>;
}

export interface MethodConfig {
  readonly timeoutMs?: number;
  readonly waitForReady?: boolean;
  readonly maxRequestMessageBytes?: number;
  readonly maxResponseMessageBytes?: number;
  readonly retryPolicy?: RetryPolicy;
  readonly hedgingPolicy?: HedgingPolicy;
}

export interface RetryThrottling {
  readonly maxTokens: number;
  readonly tokenRatio: number;
}

export interface ServiceConfig {
  readonly loadBalancingPolicy?: "pick_first" | "round_robin";
  readonly retryThrottling?: RetryThrottling;
  /** Looks up the config of "/pkg.Service/Method": the exact name, else the service's, else the default. */
  methodConfig(path: string): MethodConfig | undefined;
}

type Json = Record<string, unknown>;

/** Parses a service config from its JSON text or an already parsed object. */
export function parseServiceConfig(input: string | unknown): ServiceConfig {
  let value: unknown = input;
  if (typeof input === "string") {
    try {
      value = JSON.parse(input);
    } catch (cause) {
      throw new TypeError(`service config: not JSON (${cause instanceof Error ? cause.message : String(cause)})`);
    }
  }
  const root = object(value, "service config");
  const exact = new Map<string, MethodConfig>();
  let fallback: MethodConfig | undefined;
  const configs = root["methodConfig"];
  if (configs !== undefined) {
    if (!Array.isArray(configs)) throw new TypeError("service config: methodConfig must be an array");
    configs.forEach((entry: unknown, i) => {
      const field = `methodConfig[${i}]`;
      const raw = object(entry, field);
      const config = methodConfigOf(raw, field);
      const names = raw["name"] ?? [];
      if (!Array.isArray(names)) throw new TypeError(`service config: ${field}.name must be an array`);
      names.forEach((nameEntry: unknown, j) => {
        const key = nameKey(object(nameEntry, `${field}.name[${j}]`), `${field}.name[${j}]`);
        if (key === "") {
          if (fallback !== undefined) throw new TypeError(`service config: ${field}.name[${j}]: a second default method config`);
          fallback = config;
        } else {
          if (exact.has(key)) throw new TypeError(`service config: ${field}.name[${j}]: duplicate name ${key}`);
          exact.set(key, config);
        }
      });
    });
  }
  const throttling = root["retryThrottling"] === undefined ? undefined : throttlingOf(object(root["retryThrottling"], "retryThrottling"));
  const policy = loadBalancingOf(root);
  return {
    ...(policy !== undefined ? { loadBalancingPolicy: policy } : {}),
    ...(throttling !== undefined ? { retryThrottling: throttling } : {}),
    methodConfig(path: string): MethodConfig | undefined {
      if (exact.size === 0) return fallback;
      const found = exact.get(path);
      if (found !== undefined) return found;
      const slash = path.lastIndexOf("/");
      return exact.get(slash > 0 ? path.slice(0, slash + 1) : path) ?? fallback;
    },
  };
}

/** "/svc/method" for one method, "/svc/" for a whole service, "" for the default. */
function nameKey(name: Json, field: string): string {
  const service = optionalString(name["service"], `${field}.service`) ?? "";
  const method = optionalString(name["method"], `${field}.method`) ?? "";
  if (service === "" && method !== "") throw new TypeError(`service config: ${field}: a method needs a service`);
  if (service === "") return "";
  return `/${service}/${method}`;
}

function methodConfigOf(raw: Json, field: string): MethodConfig {
  const out: { -readonly [K in keyof MethodConfig]: MethodConfig[K] } = {};
  if (raw["timeout"] !== undefined) out.timeoutMs = duration(raw["timeout"], `${field}.timeout`);
  if (raw["waitForReady"] !== undefined) {
    if (typeof raw["waitForReady"] !== "boolean") throw new TypeError(`service config: ${field}.waitForReady must be a boolean`);
    out.waitForReady = raw["waitForReady"];
  }
  if (raw["maxRequestMessageBytes"] !== undefined) out.maxRequestMessageBytes = positiveInteger(raw["maxRequestMessageBytes"], `${field}.maxRequestMessageBytes`);
  if (raw["maxResponseMessageBytes"] !== undefined) out.maxResponseMessageBytes = positiveInteger(raw["maxResponseMessageBytes"], `${field}.maxResponseMessageBytes`);
  if (raw["retryPolicy"] !== undefined && raw["hedgingPolicy"] !== undefined) {
    throw new TypeError(`service config: ${field}: retryPolicy and hedgingPolicy are mutually exclusive`);
  }
  if (raw["retryPolicy"] !== undefined) out.retryPolicy = retryPolicyOf(object(raw["retryPolicy"], `${field}.retryPolicy`), `${field}.retryPolicy`);
  if (raw["hedgingPolicy"] !== undefined) out.hedgingPolicy = hedgingPolicyOf(object(raw["hedgingPolicy"], `${field}.hedgingPolicy`), `${field}.hedgingPolicy`);
  return out;
}

function retryPolicyOf(raw: Json, field: string): RetryPolicy {
  const initialBackoffMs = duration(required(raw, "initialBackoff", field), `${field}.initialBackoff`);
  const maxBackoffMs = duration(required(raw, "maxBackoff", field), `${field}.maxBackoff`);
  if (initialBackoffMs <= 0) throw new TypeError(`service config: ${field}.initialBackoff must be above 0`);
  if (maxBackoffMs <= 0) throw new TypeError(`service config: ${field}.maxBackoff must be above 0`);
  const multiplier = required(raw, "backoffMultiplier", field);
  if (typeof multiplier !== "number" || !(multiplier > 0) || !Number.isFinite(multiplier)) {
    throw new TypeError(`service config: ${field}.backoffMultiplier must be a number above 0`);
  }
  const codes = statusCodes(required(raw, "retryableStatusCodes", field), `${field}.retryableStatusCodes`);
  if (codes.size === 0) throw new TypeError(`service config: ${field}.retryableStatusCodes must not be empty`);
  return { maxAttempts: maxAttempts(raw, field), initialBackoffMs, maxBackoffMs, backoffMultiplier: multiplier, retryableStatusCodes: codes };
}

function hedgingPolicyOf(raw: Json, field: string): HedgingPolicy {
  const hedgingDelayMs = raw["hedgingDelay"] === undefined ? 0 : duration(raw["hedgingDelay"], `${field}.hedgingDelay`);
  const codes = raw["nonFatalStatusCodes"] === undefined ? new Set<Code>() : statusCodes(raw["nonFatalStatusCodes"], `${field}.nonFatalStatusCodes`);
  return { maxAttempts: maxAttempts(raw, field), hedgingDelayMs, nonFatalStatusCodes: codes };
}

function maxAttempts(raw: Json, field: string): number {
  const value = positiveInteger(required(raw, "maxAttempts", field), `${field}.maxAttempts`);
  if (value < 2) throw new TypeError(`service config: ${field}.maxAttempts must be at least 2`);
  return Math.min(value, MAX_ATTEMPTS_CAP);
}

function throttlingOf(raw: Json): RetryThrottling {
  const maxTokens = raw["maxTokens"];
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens) || maxTokens <= 0 || maxTokens > 1000) {
    throw new TypeError("service config: retryThrottling.maxTokens must be an integer in 1..1000");
  }
  const tokenRatio = raw["tokenRatio"];
  if (typeof tokenRatio !== "number" || !(tokenRatio > 0) || !Number.isFinite(tokenRatio)) {
    throw new TypeError("service config: retryThrottling.tokenRatio must be a number above 0");
  }
  // A6: the ratio keeps three decimal places (token counts are kept in thousandths).
  return { maxTokens, tokenRatio: Math.round(tokenRatio * 1000) / 1000 };
}

/** loadBalancingConfig (the first policy we know wins) or the deprecated loadBalancingPolicy. */
function loadBalancingOf(root: Json): "pick_first" | "round_robin" | undefined {
  const list = root["loadBalancingConfig"];
  if (list !== undefined) {
    if (!Array.isArray(list)) throw new TypeError("service config: loadBalancingConfig must be an array");
    for (const [i, entry] of list.entries()) {
      const keys = Object.keys(object(entry, `loadBalancingConfig[${i}]`));
      if (keys.length !== 1) throw new TypeError(`service config: loadBalancingConfig[${i}] must have exactly one policy`);
      if (keys[0] === "pick_first" || keys[0] === "round_robin") return keys[0];
    }
    throw new TypeError("service config: loadBalancingConfig names no supported policy (pick_first, round_robin)");
  }
  const legacy = root["loadBalancingPolicy"];
  if (legacy === undefined) return undefined;
  if (typeof legacy !== "string") throw new TypeError("service config: loadBalancingPolicy must be a string");
  const name = legacy.toLowerCase();
  if (name !== "pick_first" && name !== "round_robin") throw new TypeError(`service config: loadBalancingPolicy ${legacy} is not supported`);
  return name;
}

/* ---------------------------------------------------------------- JSON field checks */

function object(value: unknown, field: string): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new TypeError(`service config: ${field} must be an object`);
  return value as Json;
}

function required(raw: Json, key: string, field: string): unknown {
  const value = raw[key];
  if (value === undefined) throw new TypeError(`service config: ${field}.${key} is required`);
  return value;
}

function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new TypeError(`service config: ${field} must be a string`);
  return value;
}

function positiveInteger(value: unknown, field: string): number {
  // proto3 JSON writes 64-bit integers as strings; accept both.
  const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isSafeInteger(n) || n <= 0) throw new TypeError(`service config: ${field} must be a positive integer`);
  return n;
}

/** A google.protobuf.Duration in JSON: "1.5s" (up to nine fractional digits); milliseconds out. */
export function duration(value: unknown, field: string): number {
  if (typeof value !== "string" || !/^\d+(\.\d{1,9})?s$/.test(value)) {
    throw new TypeError(`service config: ${field} must be a duration such as "1.5s"`);
  }
  return Number(value.slice(0, -1)) * 1000;
}

function statusCodes(value: unknown, field: string): Set<Code> {
  if (!Array.isArray(value)) throw new TypeError(`service config: ${field} must be an array`);
  const codes = new Set<Code>();
  value.forEach((entry: unknown, i) => {
    if (typeof entry === "number" && Number.isInteger(entry) && entry > 0 && entry <= 16) {
      codes.add(entry as Code);
      return;
    }
    const code = typeof entry === "string" ? (Code as unknown as Record<string, number | undefined>)[entry.toUpperCase()] : undefined;
    if (code === undefined || code === Code.OK || typeof code !== "number") throw new TypeError(`service config: ${field}[${i}]: ${String(entry)} is not a status code`);
    codes.add(code as Code);
  });
  return codes;
}
