/**
 * Requests that differ per call: --data JSON whose strings hold {{counter}} (0, 1, 2... unique across threads),
 * {{random}} (a random 31-bit integer) or {{uuid}} (a random UUID). A whole-string placeholder also fills number
 * fields: protobuf's JSON mapping reads "42" as 42. Without placeholders the request is encoded once; with them
 * each call re-encodes (a few microseconds), so only runs that ask for it pay.
 */
import { randomInt, randomUUID } from "node:crypto";
import { type DescMessage, fromJson, type JsonValue, type Registry, toBinary } from "@bufbuild/protobuf";

const PLACEHOLDER = /\{\{\s*(counter|random|uuid)\s*\}\}/g;
const ANY_PLACEHOLDER = /\{\{\s*(counter|random|uuid)\s*\}\}/;

export function hasPlaceholders(json: string): boolean {
  return ANY_PLACEHOLDER.test(json);
}

/** The request of call n of this thread; `stride` and `offset` keep counters unique across threads. */
export type RequestSource = (n: number) => Uint8Array;

export function compileTemplate(
  value: JsonValue,
  schema: DescMessage,
  registry: Registry,
  offset: number,
  stride: number,
): RequestSource {
  return (n) => {
    const counter = String(n * stride + offset);
    const filled = fill(value, counter);
    return toBinary(schema, fromJson(schema, filled, { registry }));
  };
}

function fill(value: JsonValue, counter: string): JsonValue {
  if (typeof value === "string") {
    if (!value.includes("{{")) return value;
    return value.replace(PLACEHOLDER, (_, name: string) =>
      name === "counter" ? counter : name === "random" ? String(randomInt(2 ** 31)) : randomUUID());
  }
  if (Array.isArray(value)) return value.map((item) => fill(item, counter));
  if (value !== null && typeof value === "object") {
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(value)) out[key] = fill(item, counter);
    return out;
  }
  return value;
}
