/**
 * The IPC messages between the primary process and its workers (node:cluster channel, "advanced" serialization so
 * key bytes travel as Uint8Arrays). Every message carries `fastgrpc` so that cluster's own messages never match.
 */
import type { AcceptPolicyConfig, TlsMaterial } from "../accept-policy.js";
import type { MetricsSnapshot, ProcessSample } from "../metrics.js";
import { isMetricsSnapshot, isProcessSample } from "./metrics-wire.js";

/** A listening socket the primary opened and the worker inherits as file descriptor `fd` (VSOCK). */
export interface InheritedListener {
  readonly fd: number;
  readonly url: string;
}

type Pem = string | Uint8Array;

/** The start message; its `tls` and `allowCids` are the accept policy's settings. */
export interface StartMessage extends AcceptPolicyConfig {
  readonly fastgrpc: "start";
  /** The primary's tcp://, tls:// and unix:// listeners (ports resolved), whose connections it hands over. */
  readonly listen: readonly string[];
  readonly inherited: readonly InheritedListener[];
  /** The caller's start payload (the CLI's keyring transfer), opaque here; undefined when there is none. */
  readonly payload: unknown;
  /** Certificate and key for the tls:// URLs in `listen`. */
  readonly tls?: TlsMaterial;
  /** The CID allowlist of the inherited VSOCK listeners. */
  readonly allowCids?: readonly number[];
  /** Count calls into a ServerMetrics, for the primary's /metrics. */
  readonly metrics: boolean;
}

export type PrimaryMessage =
  /** The answer to "ready": what to serve, and the caller's payload. */
  | StartMessage
  /** Drain: GOAWAY every connection, let calls finish for up to graceMs, exit 0. */
  | { readonly fastgrpc: "shutdown"; readonly graceMs: number }
  /** Send a metrics snapshot, tagged with this id. */
  | { readonly fastgrpc: "metrics-request"; readonly id: number }
  /** Sent with a connection's descriptor: serve it as one accepted on `listen[listener]` of the start message. */
  | { readonly fastgrpc: "connection"; readonly listener: number };

export type WorkerMessage =
  /** The worker's message handler is in place (messages sent before that would be lost). */
  | { readonly fastgrpc: "ready" }
  | { readonly fastgrpc: "listening"; readonly urls: readonly string[] }
  /** Start-up failed (e.g. a listen address in use); the worker exits 1 after sending this. */
  | { readonly fastgrpc: "failed"; readonly reason: string }
  /** The answer to "metrics-request" `id`. */
  | { readonly fastgrpc: "metrics"; readonly id: number; readonly snapshot: MetricsSnapshot; readonly process: ProcessSample };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isInheritedList(value: unknown): value is InheritedListener[] {
  return Array.isArray(value) && value.every((item: unknown) => isRecord(item) && Number.isInteger(item.fd) && typeof item.url === "string");
}

function isPem(value: unknown): value is Pem {
  return typeof value === "string" || value instanceof Uint8Array;
}

function isTlsMaterial(value: unknown): value is TlsMaterial {
  return isRecord(value) && isPem(value.cert) && isPem(value.key) && (value.clientCa === undefined || isPem(value.clientCa));
}

function isCidList(value: unknown): value is number[] {
  return Array.isArray(value) && value.every((cid: unknown) => Number.isInteger(cid) && Number(cid) >= 0 && Number(cid) <= 0xffffffff);
}

function isRequestId(value: unknown): value is number {
  return Number.isSafeInteger(value) && Number(value) > 0;
}

function parseStart(value: Record<string, unknown>): StartMessage | undefined {
  if (!isStringArray(value.listen) || !isInheritedList(value.inherited) || typeof value.metrics !== "boolean") return undefined;
  if (value.tls !== undefined && !isTlsMaterial(value.tls)) return undefined;
  if (value.allowCids !== undefined && !isCidList(value.allowCids)) return undefined;
  return {
    fastgrpc: "start", listen: value.listen, inherited: value.inherited, payload: value.payload, metrics: value.metrics,
    ...(value.tls !== undefined ? { tls: value.tls } : {}),
    ...(value.allowCids !== undefined ? { allowCids: value.allowCids } : {}),
  };
}

export function parsePrimaryMessage(value: unknown): PrimaryMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.fastgrpc === "start") return parseStart(value);
  if (value.fastgrpc === "shutdown" && typeof value.graceMs === "number" && value.graceMs >= 0) return { fastgrpc: "shutdown", graceMs: value.graceMs };
  if (value.fastgrpc === "metrics-request" && isRequestId(value.id)) return { fastgrpc: "metrics-request", id: value.id };
  if (value.fastgrpc === "connection" && Number.isSafeInteger(value.listener) && Number(value.listener) >= 0) return { fastgrpc: "connection", listener: Number(value.listener) };
  return undefined;
}

export function parseWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.fastgrpc === "ready") return { fastgrpc: "ready" };
  if (value.fastgrpc === "listening" && isStringArray(value.urls)) return { fastgrpc: "listening", urls: value.urls };
  if (value.fastgrpc === "failed" && typeof value.reason === "string") return { fastgrpc: "failed", reason: value.reason };
  if (value.fastgrpc === "metrics" && isRequestId(value.id) && isMetricsSnapshot(value.snapshot) && isProcessSample(value.process)) {
    return { fastgrpc: "metrics", id: value.id, snapshot: value.snapshot, process: value.process };
  }
  return undefined;
}
