#!/usr/bin/env node
/**
 * fastgrpc-interop-client: runs gRPC's interop test cases against any implementation's interop server. One line
 * per case, "PASS name (N ms)" or "FAIL name: why"; exit 0 only when every case passed.
 */
import { parseArgs } from "node:util";
import { GrpcClient } from "../client/client.js";
import { ENGINE_NAMES, clientEngine } from "../engine/registry.js";
import { readPem, type TlsClientOptions } from "../transport/tls.js";
import { UsageError, describe } from "../cli/args.js";
import { CASES, selectCases } from "./cases.js";
import { booleanFlag, engineFlag, hostPort, portFlag } from "./flags.js";

const USAGE = `Usage: fastgrpc-interop-client --server_port=N --test_case=NAME [options]

Runs gRPC interop test cases (grpc/grpc doc/interop-test-descriptions.md) against a grpc.testing.TestService.

Options:
  --server_host=HOST            server address (default localhost)
  --server_port=N               server port
  --test_case=NAME              one case, a comma list, or all:
                                ${[...CASES.keys()].join(",\n                                ")}
  --use_tls=true|false          connect with TLS (default false)
  --server_host_override=NAME   the name the server certificate must carry (default --server_host)
  --ca_file=FILE                PEM CA to trust for TLS (default the system's)
  --engine=NAME                 HTTP/2 engine: ${ENGINE_NAMES.join("|")} (default h2)
  -h, --help                    show this help

Exit codes: 0 every case passed, 1 a case failed, 2 bad usage.
`;

/** Wall time a single case may take before it counts as failed (the cases themselves take well under a second). */
const CASE_TIMEOUT_MS = 60_000;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      server_host: { type: "string" },
      server_port: { type: "string" },
      test_case: { type: "string" },
      use_tls: { type: "string" },
      server_host_override: { type: "string" },
      ca_file: { type: "string" },
      engine: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = portFlag("server_port", values.server_port);
  if (values.test_case === undefined) throw new UsageError("--test_case is required (a name, a comma list or all)");
  let names: string[];
  try {
    names = selectCases(values.test_case);
  } catch (error) {
    throw new UsageError(describe(error));
  }
  const useTls = booleanFlag("use_tls", values.use_tls);
  let tls: TlsClientOptions | undefined;
  if (useTls) {
    try {
      tls = {
        ...(values.ca_file !== undefined ? { ca: readPem(values.ca_file, "--ca_file") } : {}),
        ...(values.server_host_override !== undefined ? { servername: values.server_host_override } : {}),
      };
    } catch (error) {
      throw new UsageError(describe(error));
    }
  }
  const target = `${useTls ? "tls" : "tcp"}://${hostPort(values.server_host ?? "localhost", port)}`;
  // One channel (one HTTP/2 connection) for every case, as the interop descriptions assume.
  const client = new GrpcClient(target, { engine: clientEngine(engineFlag(values.engine)), ...(tls !== undefined ? { tls } : {}) });
  let failed = 0;
  try {
    for (const name of names) {
      const run = CASES.get(name);
      if (run === undefined) continue;
      const started = performance.now();
      const why = await runCase(() => run(client));
      if (why === null) {
        process.stdout.write(`PASS ${name} (${Math.round(performance.now() - started)} ms)\n`);
      } else {
        failed++;
        process.stdout.write(`FAIL ${name}: ${why}\n`);
      }
    }
  } finally {
    await client.close(true);
  }
  return failed === 0 ? 0 : 1;
}

/** null when the case passed, else the one line saying why. */
async function runCase(run: () => Promise<void>): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`did not finish in ${CASE_TIMEOUT_MS} ms`), CASE_TIMEOUT_MS);
  });
  try {
    return await Promise.race([run().then(() => null, (error: unknown) => describe(error).replace(/\s*\n\s*/g, " ")), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`fastgrpc-interop-client: ${describe(error)}\n${error instanceof UsageError ? "(--help for usage)\n" : ""}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
