#!/usr/bin/env node
/**
 * fastgrpc-interop-server: grpc.testing.TestService for the gRPC interop matrix (any implementation's interop
 * client can run its test cases against it). Prints "listening on URL" once it accepts calls; SIGTERM/SIGINT stop it.
 */
import { parseArgs } from "node:util";
import { ENGINE_NAMES, serverEngine } from "../engine/registry.js";
import { TestService } from "../gen/grpc/testing/test_pb.js";
import { createLogger } from "../log/logger.js";
import { GrpcServer } from "../server/server.js";
import { readPem, type TlsServerOptions } from "../transport/tls.js";
import { UsageError, describe } from "../cli/args.js";
import { booleanFlag, engineFlag, hostPort, portFlag } from "./flags.js";
import { createTestService } from "./test-service.js";

const USAGE = `Usage: fastgrpc-interop-server --port=N [options]

Serves grpc.testing.TestService (gRPC's interop contract) over gRPC.

Options:
  --port=N                 port to listen on (0 picks a free one; the line "listening on URL" says which)
  --host=ADDR              address to listen on (default 127.0.0.1; 0.0.0.0 or :: for every interface)
  --use_tls=true|false     serve TLS (default false); needs --tls_cert_file and --tls_key_file
  --tls_cert_file=FILE     PEM certificate chain
  --tls_key_file=FILE      PEM private key
  --engine=NAME            HTTP/2 engine: ${ENGINE_NAMES.join("|")} (default h2)
  -h, --help               show this help
`;

async function main(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      port: { type: "string" },
      host: { type: "string" },
      use_tls: { type: "string" },
      tls_cert_file: { type: "string" },
      tls_key_file: { type: "string" },
      engine: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help === true) {
    process.stdout.write(USAGE);
    return 0;
  }
  const port = portFlag("port", values.port);
  const useTls = booleanFlag("use_tls", values.use_tls);
  let tls: TlsServerOptions | undefined;
  if (useTls) {
    if (values.tls_cert_file === undefined || values.tls_key_file === undefined) {
      throw new UsageError("--use_tls=true needs --tls_cert_file=FILE and --tls_key_file=FILE");
    }
    try {
      tls = { cert: readPem(values.tls_cert_file, "--tls_cert_file"), key: readPem(values.tls_key_file, "--tls_key_file") };
    } catch (error) {
      throw new UsageError(describe(error));
    }
  }
  const log = createLogger("warn", "fastgrpc-interop-server");
  const server = new GrpcServer({
    log,
    engine: serverEngine(engineFlag(values.engine)),
    // Interop cases ask for compression per message whatever the size: no threshold.
    compressionThresholdBytes: 0,
  });
  server.addService(TestService, createTestService());
  const url = `${useTls ? "tls" : "tcp"}://${hostPort(values.host ?? "127.0.0.1", port)}`;
  const listener = await server.listen(url, tls !== undefined ? { tls } : {});
  process.stdout.write(`listening on ${listener.url}\n`);
  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
  });
  await server.shutdown(1000);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (error: unknown) => {
    process.stderr.write(`fastgrpc-interop-server: ${describe(error)}\n${error instanceof UsageError ? "(--help for usage)\n" : ""}`);
    process.exitCode = error instanceof UsageError ? 2 : 1;
  },
);
