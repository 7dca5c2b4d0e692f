/**
 * grpc-retry-pushback-ms (A6): a non-negative integer is the delay the server asks for before the next attempt;
 * anything else (negative, not a number) means "do not retry". Absent: the client's own backoff applies.
 */
import type { CallMetadata } from "../../protocol/metadata.js";

export const PUSHBACK_KEY = "grpc-retry-pushback-ms";

/** The server's pushback: ms to wait, "stop", or undefined when the server said nothing. */
export function pushbackOf(metadata: CallMetadata): number | "stop" | undefined {
  const value = metadata[PUSHBACK_KEY];
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value[0] : value;
  if (typeof text !== "string" || !/^\d+$/.test(text)) return "stop";
  const ms = Number(text);
  return Number.isSafeInteger(ms) ? ms : "stop";
}
