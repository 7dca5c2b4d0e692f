/** Every interop test case the client runs, by its standard name, in the order `--test_case=all` runs them. */
import type { GrpcClient } from "../client/client.js";
import { streamingCases as s } from "./streaming-cases.js";
import { type InteropCase, unaryCases as u } from "./unary-cases.js";

function both(first: InteropCase | undefined, second: InteropCase | undefined): InteropCase {
  return async (client: GrpcClient) => {
    await first?.(client);
    await second?.(client);
  };
}

function must(entry: InteropCase | undefined, name: string): InteropCase {
  if (entry === undefined) throw new TypeError(`interop case ${name} is not defined`);
  return entry;
}

export const CASES: ReadonlyMap<string, InteropCase> = new Map<string, InteropCase>([
  ["empty_unary", must(u.empty_unary, "empty_unary")],
  ["large_unary", must(u.large_unary, "large_unary")],
  ["client_streaming", must(s.client_streaming, "client_streaming")],
  ["server_streaming", must(s.server_streaming, "server_streaming")],
  ["ping_pong", must(s.ping_pong, "ping_pong")],
  ["empty_stream", must(s.empty_stream, "empty_stream")],
  // The standard cases check both a unary call and a full-duplex one.
  ["custom_metadata", both(u.custom_metadata, s.custom_metadata_streaming)],
  ["status_code_and_message", both(u.status_code_and_message, s.status_code_and_message_streaming)],
  ["special_status_message", must(u.special_status_message, "special_status_message")],
  ["unimplemented_method", must(u.unimplemented_method, "unimplemented_method")],
  ["unimplemented_service", must(u.unimplemented_service, "unimplemented_service")],
  ["cancel_after_begin", must(s.cancel_after_begin, "cancel_after_begin")],
  ["cancel_after_first_response", must(s.cancel_after_first_response, "cancel_after_first_response")],
  ["timeout_on_sleeping_server", must(s.timeout_on_sleeping_server, "timeout_on_sleeping_server")],
  ["client_compressed_unary", must(u.client_compressed_unary, "client_compressed_unary")],
  ["server_compressed_unary", must(u.server_compressed_unary, "server_compressed_unary")],
  ["client_compressed_streaming", must(s.client_compressed_streaming, "client_compressed_streaming")],
  ["server_compressed_streaming", must(s.server_compressed_streaming, "server_compressed_streaming")],
  ["concurrent_large_unary", must(u.concurrent_large_unary, "concurrent_large_unary")],
]);

/** Parses --test_case: one name, a comma list, or "all". */
export function selectCases(value: string): string[] {
  if (value === "all") return [...CASES.keys()];
  const names = value.split(",").map((name) => name.trim()).filter((name) => name !== "");
  const unknown = names.filter((name) => !CASES.has(name));
  if (unknown.length > 0) throw new TypeError(`unknown test case ${unknown.join(", ")} (known: ${[...CASES.keys()].join(", ")}, all)`);
  if (names.length === 0) throw new TypeError("--test_case names no case");
  return names;
}
