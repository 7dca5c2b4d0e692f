/**
 * The interop matrix: which client runs the cases against which server (engine, TLS), the gaps each peer
 * library cannot express or a known limit makes fail (named, never silent), and the markdown table of a run.
 */
import { CASES } from "../../../src/interop/cases.js";
import type { Outcome } from "./interop-processes.js";

export type Implementation = "fastgrpc" | "grpc-js" | "grpcio";
export type Engine = "h2" | "node";

export interface Column {
  readonly client: Implementation;
  readonly server: Implementation;
  /** Our engine on our side(s) of the column. */
  readonly engine: Engine;
  readonly tls: boolean;
  /** concurrent_large_unary (1,000 large calls, ~10 s per run here) runs in the columns that set this. */
  readonly concurrent: boolean;
}

export const CASE_NAMES: readonly string[] = [...CASES.keys()];

const col = (client: Implementation, server: Implementation, engine: Engine, tls: boolean, concurrent: boolean): Column =>
  ({ client, server, engine, tls, concurrent });

export const COLUMNS: readonly Column[] = [
  col("fastgrpc", "fastgrpc", "h2", false, true),
  col("fastgrpc", "fastgrpc", "node", false, true),
  col("fastgrpc", "fastgrpc", "h2", true, false),
  col("fastgrpc", "fastgrpc", "node", true, false),
  col("fastgrpc", "grpc-js", "h2", false, true),
  col("fastgrpc", "grpc-js", "node", false, false),
  col("fastgrpc", "grpc-js", "h2", true, false),
  col("fastgrpc", "grpcio", "h2", false, true),
  col("fastgrpc", "grpcio", "node", false, false),
  col("fastgrpc", "grpcio", "h2", true, false),
  col("grpc-js", "fastgrpc", "h2", false, true),
  col("grpc-js", "fastgrpc", "node", false, false),
  col("grpc-js", "fastgrpc", "h2", true, false),
  col("grpcio", "fastgrpc", "h2", false, true),
  col("grpcio", "fastgrpc", "node", false, true),
  col("grpcio", "fastgrpc", "h2", true, false),
];

export function columnTitle(column: Column): string {
  const side = (who: Implementation) => (who === "fastgrpc" ? `fastgrpc ${column.engine}` : who);
  return `${side(column.client)} → ${side(column.server)}${column.tls ? " TLS" : ""}`;
}

export const NOT_RUN_CONCURRENT = "not run in this column, to keep the matrix's wall time down (1,000 large calls take 10-25 s per run on a 2-core machine): the plaintext h2 column of the same implementations runs it";

/**
 * Why a case is expected not to pass in a column (a gap a peer library cannot express, or a known limit), or
 * undefined when it must pass. The matrix test asserts every other case passes.
 */
export function expectedGap(column: Column, name: string): string | undefined {
  const compressionCase = name === "client_compressed_unary" || name === "client_compressed_streaming";
  if (column.server === "grpc-js" && compressionCase) return "grpc-js server: a handler cannot see whether a request arrived compressed, so the expect_compressed probe cannot be answered";
  if (column.server === "grpc-js" && (name === "server_compressed_unary" || name === "server_compressed_streaming")) return "grpc-js server: never compresses responses (grpc-js 1.14 has no response compression)";
  if (column.server === "grpcio" && compressionCase) return "grpcio server: a servicer cannot see whether a request arrived compressed, so the expect_compressed probe cannot be answered";
  if (column.client === "grpcio" && name === "client_compressed_streaming") return "grpcio client: compresses every message of a call or none; the case needs one of each";
  if (name === "concurrent_large_unary" && column.client === "fastgrpc" && column.engine === "node") {
    return "node engine client: node:http2's session memory limit (maxSessionMemory, 10 MB by default, not set by src/engine/node/client.ts) refuses streams with ENHANCE_YOUR_CALM under 1,000 x 272 KB requests (raised to 1024 MB by a preload, the case passes)";
  }
  if (name === "concurrent_large_unary" && column.client === "grpcio" && column.server === "fastgrpc" && column.engine === "h2") {
    return "h2 engine server: gRPC C-core opens large flow-control windows and reads slowly, so 1,000 x 314 KB answers pass outputHardCapBytes (16 MiB, src/engine/h2/tuning.ts) and the connection is closed as \"peer is not reading\"";
  }
  return undefined;
}

/** One cell of the table: what happened, and whether it was expected. */
export interface Cell {
  readonly outcome: Outcome | { readonly result: "NOT RUN"; readonly detail: string };
  readonly gap: string | undefined;
}

/** The markdown table (cases down, columns across) with the reasons as numbered notes. */
export function renderTable(results: ReadonlyMap<Column, ReadonlyMap<string, Cell>>, command: string): string {
  const notes: string[] = [];
  const noteFor = (text: string) => {
    let index = notes.indexOf(text);
    if (index < 0) index = notes.push(text) - 1;
    return index + 1;
  };
  const columns = COLUMNS.filter((column) => results.has(column));
  const lines = [
    `| case | ${columns.map(columnTitle).join(" | ")} |`,
    `| --- | ${columns.map(() => ":---:").join(" | ")} |`,
  ];
  for (const name of CASE_NAMES) {
    const cells = columns.map((column) => {
      const cell = results.get(column)?.get(name);
      if (cell === undefined) return "";
      const { result, detail } = cell.outcome;
      if (result === "PASS") return detail === "" ? "pass" : `pass [${noteFor(detail)}]`;
      if (result === "NOT RUN") return `not run [${noteFor(detail)}]`;
      if (cell.gap !== undefined) return `gap [${noteFor(cell.gap)}]`;
      return `**${result}** [${noteFor(detail)}]`;
    });
    lines.push(`| ${name} | ${cells.join(" | ")} |`);
  }
  lines.push("", `Generated by \`${command}\` on ${new Date().toISOString().slice(0, 10)}.`, "");
  notes.forEach((text, i) => lines.push(`${i + 1}. ${text}`));
  return `${lines.join("\n")}\n`;
}
