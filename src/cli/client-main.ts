import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { GrpcError } from "../errors/grpc-error.js";
import { EchoService } from "../gen/fastgrpc/echo/v1/echo_pb.js";
import { AddressError } from "../transport/address.js";
import { UsageError, describe } from "./args.js";
import { CONNECTION_HELP, connect, connectionOptions } from "./client-connection.js";
import { cryptoCommands } from "./crypto-commands.js";
import { capYoungGeneration } from "../runtime/young-generation.js";

// Large messages then die in scavenges, not Mark-Compacts (runtime/young-generation.ts). A no-op after the entry's
// restart, which starts node with the cap as a flag; it counts where node could not restart (no process.execve).
capYoungGeneration();

const USAGE = `Usage: fastgrpc-client <command> [options]

Commands:
  echo     --target URL (--message TEXT | --payload-file FILE) [--timeout MS]
           calls fastgrpc.echo.v1.EchoService/Echo and prints the reply
${Object.entries(cryptoCommands).map(([name, command]) => `  ${name.padEnd(8)} ${command.summary}\n           (fastgrpc-client ${name} --help for its options)`).join("\n")}

Common options:
${CONNECTION_HELP}
  -h, --help       show this help

Exit codes: 0 success, 1 the call failed (the gRPC status is printed), 2 bad usage.
`;

async function echo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      ...connectionOptions,
      message: { type: "string" },
      "payload-file": { type: "string" },
    },
  });
  if ((values.message === undefined) === (values["payload-file"] === undefined)) {
    throw new UsageError("echo needs exactly one of --message TEXT or --payload-file FILE");
  }
  let payload: Uint8Array;
  if (values.message !== undefined) {
    payload = Buffer.from(values.message, "utf8");
  } else {
    try {
      payload = await readFile(values["payload-file"] ?? "");
    } catch (error) {
      throw new UsageError(`cannot read --payload-file: ${describe(error)}`);
    }
  }
  const { client, timeoutMs } = connect(values);
  try {
    const reply = await client.unary(EchoService.method.echo, { payload }, { timeoutMs });
    if (values.message !== undefined) process.stdout.write(`${Buffer.from(reply.payload).toString("utf8")}\n`);
    else process.stdout.write(reply.payload);
    return 0;
  } finally {
    await client.close(true);
  }
}

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = { echo };

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === "-h" || command === "--help" || command === "help") {
    process.stdout.write(USAGE);
    return command === undefined ? 2 : 0;
  }
  const crypto = cryptoCommands[command];
  if (crypto !== undefined) return crypto.run(rest, { stdout: process.stdout, stderr: process.stderr });
  const run = COMMANDS[command];
  if (run === undefined) {
    process.stderr.write(`fastgrpc-client: unknown command "${command}"\n${USAGE}`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (error instanceof GrpcError) {
      process.stderr.write(`error: ${error.codeName}: ${error.rawMessage}\n`);
      return 1;
    }
    const usage = error instanceof UsageError || error instanceof AddressError || (error as NodeJS.ErrnoException).code?.startsWith("ERR_PARSE_ARGS");
    process.stderr.write(`fastgrpc-client: ${describe(error)}\n`);
    return usage ? 2 : 1;
  }
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error: unknown) => {
  process.stderr.write(`fastgrpc-client: ${describe(error)}\n`);
  process.exitCode = 1;
});
