/**
 * gRPC's interop matrix, both ways: fastgrpc's interop client (both engines) against our interop server, a
 * grpc-js interop server and a Python grpcio (C-core) interop server, and the grpc-js and grpcio interop clients
 * against our server, in plaintext and TLS. Every case must pass except the gaps interop-matrix.ts names; the run
 * writes the table to dist/interop-matrix.md (and into docs/interop.md with INTEROP_WRITE_DOCS=1: make interop-table).
 * A missing peer (python3-grpcio, openssl) skips its columns visibly.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { type TestPki, makeTestPki } from "../tls/certificates.js";
import { writeInteropDescriptorSet } from "./peers/descriptor-set.js";
import { PROGRAMS, PYTHON, type RunningServer, missingPythonGrpc, runClient, startServer } from "./support/interop-processes.js";
import {
  CASE_NAMES, COLUMNS, type Cell, type Column, NOT_RUN_CONCURRENT, columnTitle, expectedGap, renderTable,
} from "./support/interop-matrix.js";

const NODE = process.execPath;
const missingPython = missingPythonGrpc();
const missingOpenssl = spawnSync("openssl", ["version"]).status === 0 ? undefined : "the openssl CLI is missing (apt-get install openssl)";
const DOCS = fileURLToPath(new URL("../../../docs/interop.md", import.meta.url));
const TABLE_OUT = fileURLToPath(new URL("../../interop-matrix.md", import.meta.url));
const START = "<!-- interop-matrix:start -->";
const END = "<!-- interop-matrix:end -->";

function skipReason(column: Column): string | undefined {
  if ((column.client === "grpcio" || column.server === "grpcio") && missingPython !== undefined) return missingPython;
  if (column.tls && missingOpenssl !== undefined) return missingOpenssl;
  return undefined;
}

// 16 columns, ~2 minutes on a 2-core machine: the suite's own limit, above the per-test one.
describe("gRPC interop matrix", { timeout: 600_000 }, () => {
  let dir: string;
  let descriptorSet: string;
  let pki: TestPki | undefined;
  const results = new Map<Column, Map<string, Cell>>();

  before(() => {
    dir = mkdtempSync(join(tmpdir(), "fastgrpc-interop-"));
    descriptorSet = join(dir, "grpc-testing.binpb");
    writeInteropDescriptorSet(descriptorSet);
    if (missingOpenssl === undefined) pki = makeTestPki();
  });

  after(() => {
    const table = renderTable(results, "make interop-table");
    writeFileSync(TABLE_OUT, table);
    if (process.env.INTEROP_WRITE_DOCS === "1") {
      const docs = readFileSync(DOCS, "utf8");
      const start = docs.indexOf(START);
      const end = docs.indexOf(END);
      if (start >= 0 && end > start) writeFileSync(DOCS, `${docs.slice(0, start + START.length)}\n${table}${docs.slice(end)}`);
    }
    pki?.remove();
    rmSync(dir, { recursive: true, force: true });
  });

  function tlsServerFlags(column: Column): string[] {
    if (!column.tls || pki === undefined) return [];
    return ["--use_tls=true", `--tls_cert_file=${join(pki.dir, "server.crt")}`, `--tls_key_file=${join(pki.dir, "server.key")}`];
  }

  function tlsClientFlags(column: Column): string[] {
    if (!column.tls || pki === undefined) return [];
    // The certificate names 127.0.0.1 and localhost: the override exercises --server_host_override on every client.
    return ["--use_tls=true", `--ca_file=${join(pki.dir, "ca.crt")}`, "--server_host_override=localhost"];
  }

  function startServerFor(column: Column): Promise<RunningServer> {
    const tls = tlsServerFlags(column);
    switch (column.server) {
      case "fastgrpc": return startServer(NODE, [PROGRAMS.fastgrpcServer, "--port=0", `--engine=${column.engine}`, ...tls]);
      case "grpc-js": return startServer(NODE, [PROGRAMS.grpcJsServer, "--port=0", ...tls]);
      case "grpcio": return startServer(PYTHON, [PROGRAMS.pythonServer, "--port=0", `--descriptor_set=${descriptorSet}`, ...tls]);
    }
  }

  function clientCommand(column: Column, port: number, cases: readonly string[]): [string, string[]] {
    const common = ["--server_host=127.0.0.1", `--server_port=${port}`, `--test_case=${cases.join(",")}`, ...tlsClientFlags(column)];
    switch (column.client) {
      case "fastgrpc": return [NODE, [PROGRAMS.fastgrpcClient, ...common, `--engine=${column.engine}`]];
      case "grpc-js": return [NODE, [PROGRAMS.grpcJsClient, ...common]];
      case "grpcio": return [PYTHON, [PROGRAMS.pythonClient, ...common, `--descriptor_set=${descriptorSet}`]];
    }
  }

  for (const column of COLUMNS) {
    const skip = skipReason(column);
    test(columnTitle(column), { skip }, async () => {
      const cells = new Map<string, Cell>();
      results.set(column, cells);
      const cases = CASE_NAMES.filter((name) => column.concurrent || name !== "concurrent_large_unary");
      const server = await startServerFor(column);
      let run: Awaited<ReturnType<typeof runClient>>;
      try {
        const [command, args] = clientCommand(column, server.port, cases);
        run = await runClient(command, args, 100_000);
      } finally {
        await server.stop();
      }
      const unexpected: string[] = [];
      for (const name of CASE_NAMES) {
        if (!cases.includes(name)) {
          cells.set(name, { outcome: { result: "NOT RUN", detail: NOT_RUN_CONCURRENT }, gap: undefined });
          continue;
        }
        const outcome = run.outcomes.get(name) ?? { result: "FAIL" as const, detail: `no report line (exit ${String(run.exitCode)})` };
        const gap = expectedGap(column, name);
        cells.set(name, { outcome, gap });
        if (outcome.result !== "PASS" && gap === undefined) unexpected.push(`${name}: ${outcome.result} ${outcome.detail}`);
      }
      assert.deepEqual(unexpected, [], `${columnTitle(column)}:\n${run.output}`);
    });
  }
});
