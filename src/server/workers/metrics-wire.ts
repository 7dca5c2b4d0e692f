/**
 * Shape checks for the metrics a worker sends its primary over IPC: a message that does not match is ignored (the
 * worker then counts as not answering), so a bad payload can never throw inside the primary's render.
 */
import type { MetricsSnapshot, ProcessSample } from "../metrics.js";

/** Far above the 17 status codes and 18 latency buckets: only a bound against absurd payloads. */
const MAX_ARRAY = 256;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

function isNumberArray(value: unknown): value is number[] {
  return Array.isArray(value) && value.length <= MAX_ARRAY && value.every(isNumber);
}

function hasStrings(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((key) => typeof value[key] === "string");
}

function hasNumbers(value: Record<string, unknown>, keys: readonly string[]): boolean {
  return keys.every((key) => isNumber(value[key]));
}

function isMethod(value: unknown): boolean {
  return isRecord(value) && hasStrings(value, ["service", "method", "type"]) && hasNumbers(value, ["started", "inFlight", "latencySumMs", "received", "sent"])
    && isNumberArray(value.handled) && isNumberArray(value.buckets);
}

function isConnection(value: unknown): boolean {
  return isRecord(value) && typeof value.transport === "string" && hasNumbers(value, ["open", "accepted", "refused"]);
}

function isCounterValue(value: unknown): boolean {
  return Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && isNumber(value[1]);
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Names and help are rendered as they are (label values are escaped): they must not break the text format. */
function isCounter(value: unknown): boolean {
  return isRecord(value) && hasStrings(value, ["name", "help", "label"])
    && METRIC_NAME.test(String(value.name)) && LABEL_NAME.test(String(value.label)) && !String(value.help).includes("\n")
    && Array.isArray(value.values) && value.values.every(isCounterValue);
}

export function isMetricsSnapshot(value: unknown): value is MetricsSnapshot {
  return isRecord(value)
    && Array.isArray(value.methods) && value.methods.every(isMethod)
    && Array.isArray(value.connections) && value.connections.every(isConnection)
    && Array.isArray(value.counters) && value.counters.every(isCounter);
}

export function isProcessSample(value: unknown): value is ProcessSample {
  return isRecord(value)
    && hasNumbers(value, ["cpuUserSeconds", "cpuSystemSeconds", "residentBytes", "heapTotalBytes", "heapUsedBytes", "externalBytes", "startTimeSeconds"]);
}
