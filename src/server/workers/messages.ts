/**
 * The IPC messages between the primary process and its workers (node:cluster channel, "advanced" serialization so
 * key bytes travel as Uint8Arrays). Every message carries `fastgrpc` so that cluster's own messages never match.
 */
import { type KeyTransfer, isKeyTransfer } from "../../crypto/keyring-transfer.js";

/** A listening socket the primary opened and the worker inherits as file descriptor `fd` (VSOCK). */
export interface InheritedListener {
  readonly fd: number;
  readonly url: string;
}

export type PrimaryMessage =
  /** The answer to "ready": what to serve, and the keys to sign with. */
  | { readonly fastgrpc: "start"; readonly listen: readonly string[]; readonly inherited: readonly InheritedListener[]; readonly keys: KeyTransfer }
  /** Drain: GOAWAY every connection, let calls finish for up to graceMs, exit 0. */
  | { readonly fastgrpc: "shutdown"; readonly graceMs: number };

export type WorkerMessage =
  /** The worker's message handler is in place (messages sent before that would be lost). */
  | { readonly fastgrpc: "ready" }
  | { readonly fastgrpc: "listening"; readonly urls: readonly string[] }
  /** Start-up failed (e.g. a listen address in use); the worker exits 1 after sending this. */
  | { readonly fastgrpc: "failed"; readonly reason: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

function isInheritedList(value: unknown): value is InheritedListener[] {
  return Array.isArray(value) && value.every((item: unknown) => isRecord(item) && Number.isInteger(item.fd) && typeof item.url === "string");
}

export function parsePrimaryMessage(value: unknown): PrimaryMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.fastgrpc === "start" && isStringArray(value.listen) && isInheritedList(value.inherited) && isKeyTransfer(value.keys)) {
    return { fastgrpc: "start", listen: value.listen, inherited: value.inherited, keys: value.keys };
  }
  if (value.fastgrpc === "shutdown" && typeof value.graceMs === "number" && value.graceMs >= 0) return { fastgrpc: "shutdown", graceMs: value.graceMs };
  return undefined;
}

export function parseWorkerMessage(value: unknown): WorkerMessage | undefined {
  if (!isRecord(value)) return undefined;
  if (value.fastgrpc === "ready") return { fastgrpc: "ready" };
  if (value.fastgrpc === "listening" && isStringArray(value.urls)) return { fastgrpc: "listening", urls: value.urls };
  if (value.fastgrpc === "failed" && typeof value.reason === "string") return { fastgrpc: "failed", reason: value.reason };
  return undefined;
}
