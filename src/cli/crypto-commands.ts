/**
 * fastgrpc-client's Crypto commands: sign, pubkey, verify. Each `run` parses its own options, prints results on
 * stdout and errors as one line on stderr, and returns the exit code: 0 success, 1 the call failed or the
 * signature is invalid, 2 bad usage. It never throws.
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { GrpcClient } from "../client/client.js";
import {
  ALGORITHM_NAMES,
  KEY_TYPE_NAMES,
  algorithmFromName,
  getPublicKey,
  keyTypeFromName,
  sign,
  verify,
  verifyLocally,
  type KeyType,
  type SignatureAlgorithm,
} from "../client/crypto-client.js";
import { ENGINE_NAMES } from "../engine/registry.js";
import { type Connection, DEFAULT_TARGET, DEFAULT_TIMEOUT_MS, connect, connectionOptions } from "./client-connection.js";
import { GrpcError } from "../errors/grpc-error.js";
import { AddressError } from "../transport/address.js";
import { UsageError, describe } from "./args.js";

export interface CommandIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface CliCommand {
  summary: string;
  usage: string;
  run(argv: string[], io: CommandIo): Promise<number>;
}

const COMMON_USAGE = "[--target URL] [--timeout MS] [--engine NAME] [--ca FILE] [--cert FILE --key FILE] [-h|--help]";
const KEY_TYPE_USAGE = `--key-type ${KEY_TYPE_NAMES.join("|")}`;
const DATA_USAGE = "(--data TEXT | --data-file FILE)";
const COMMON_HELP = `  --target default ${DEFAULT_TARGET}, --timeout default ${DEFAULT_TIMEOUT_MS} ms, --engine ${ENGINE_NAMES.join("|")}`;

const commonOptions = {
  help: { type: "boolean", short: "h" },
  ...connectionOptions,
} as const;

/** What sign and verify both take: the key, the algorithm and the data (inline or from a file). */
const signedDataOptions = {
  ...commonOptions,
  "key-type": { type: "string" },
  algorithm: { type: "string" },
  data: { type: "string" },
  "data-file": { type: "string" },
} as const;

function requireKeyType(value: string | undefined): KeyType {
  if (value === undefined) throw new UsageError(`--key-type is required (${KEY_TYPE_NAMES.join("|")})`);
  const keyType = keyTypeFromName(value);
  if (keyType === undefined) throw new UsageError(`--key-type must be one of ${KEY_TYPE_NAMES.join("|")}, got "${value}"`);
  return keyType;
}

function requireAlgorithm(value: string | undefined): SignatureAlgorithm {
  if (value === undefined) throw new UsageError(`--algorithm is required (${ALGORITHM_NAMES.join("|")})`);
  const algorithm = algorithmFromName(value);
  if (algorithm === undefined) throw new UsageError(`--algorithm must be one of ${ALGORITHM_NAMES.join("|")}, got "${value}"`);
  return algorithm;
}

async function readData(values: { data?: string | undefined; "data-file"?: string | undefined }): Promise<Uint8Array> {
  if ((values.data === undefined) === (values["data-file"] === undefined)) {
    throw new UsageError("give exactly one of --data TEXT or --data-file FILE");
  }
  if (values.data !== undefined) return Buffer.from(values.data, "utf8");
  try {
    return await readFile(values["data-file"] ?? "");
  } catch (error) {
    throw new UsageError(`cannot read --data-file: ${describe(error)}`);
  }
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

function requireBase64(name: string, value: string | undefined): Uint8Array {
  if (value === undefined) throw new UsageError(`--${name} BASE64 is required`);
  if (!BASE64.test(value)) throw new UsageError(`--${name} is not base64`);
  return Buffer.from(value, "base64");
}

/** Runs a command body, turning every failure into a one-line message and an exit code. */
async function guarded(io: CommandIo, usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (error) {
    if (error instanceof GrpcError) {
      io.stderr.write(`error: ${error.codeName}: ${error.rawMessage}\n`);
      return 1;
    }
    const code = error instanceof Error ? (error as NodeJS.ErrnoException).code : undefined;
    if (error instanceof UsageError || error instanceof AddressError || code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(`error: ${describe(error)}\nusage: ${usage}\n`);
      return 2;
    }
    io.stderr.write(`error: ${describe(error)}\n`);
    return 1;
  }
}

function printUsage(io: CommandIo, command: CliCommand | undefined): number {
  io.stdout.write(`${command?.summary ?? ""}\nusage: ${command?.usage ?? ""}\n`);
  return 0;
}

async function withClient<T>(connection: Connection, use: (client: GrpcClient) => Promise<T>): Promise<T> {
  try {
    return await use(connection.client);
  } finally {
    await connection.client.close(true);
  }
}

const signUsage = `fastgrpc-client sign ${KEY_TYPE_USAGE} --algorithm ALGORITHM ${DATA_USAGE} [--verify] ${COMMON_USAGE}`;
const pubkeyUsage = `fastgrpc-client pubkey ${KEY_TYPE_USAGE} [--pem] ${COMMON_USAGE}`;
const verifyUsage = `fastgrpc-client verify ${KEY_TYPE_USAGE} --algorithm ALGORITHM ${DATA_USAGE} --signature BASE64 ${COMMON_USAGE}`;

export const cryptoCommands: Record<string, CliCommand> = {
  sign: {
    summary: "signs data with the server's key; prints the signature (base64) and the key id",
    usage: `${signUsage}\n  ALGORITHM: ${ALGORITHM_NAMES.join("|")}\n  --verify fetches the public key and checks the signature locally\n${COMMON_HELP}`,
    run: (argv, io) =>
      guarded(io, signUsage, async () => {
        const { values } = parseArgs({
          args: argv,
          strict: true,
          options: { ...signedDataOptions, verify: { type: "boolean" } },
        });
        if (values.help) return printUsage(io, cryptoCommands.sign);
        const keyType = requireKeyType(values["key-type"]);
        const algorithm = requireAlgorithm(values.algorithm);
        const data = await readData(values);
        const connection = connect(values);
        return withClient(connection, async (client) => {
          const options = { timeoutMs: connection.timeoutMs };
          const signed = await sign(client, { data, keyType, algorithm }, options);
          io.stdout.write(`signature: ${Buffer.from(signed.signature).toString("base64")}\nkey-id: ${signed.keyId}\n`);
          if (!values.verify) return 0;
          const publicKey = await getPublicKey(client, keyType, options);
          if (publicKey.keyId !== signed.keyId) {
            io.stderr.write(`error: the server's public key ${publicKey.keyId} is not the key that signed (${signed.keyId})\n`);
            return 1;
          }
          if (!verifyLocally(publicKey.spkiDer, algorithm, data, signed.signature)) {
            io.stderr.write("error: the signature does not verify with the server's public key\n");
            return 1;
          }
          io.stdout.write("verified: ok\n");
          return 0;
        });
      }),
  },

  pubkey: {
    summary: "prints the server's public key: key id and SPKI DER (base64), or PEM with --pem",
    usage: `${pubkeyUsage}\n${COMMON_HELP}`,
    run: (argv, io) =>
      guarded(io, pubkeyUsage, async () => {
        const { values } = parseArgs({
          args: argv,
          strict: true,
          options: { ...commonOptions, "key-type": { type: "string" }, pem: { type: "boolean" } },
        });
        if (values.help) return printUsage(io, cryptoCommands.pubkey);
        const keyType = requireKeyType(values["key-type"]);
        const connection = connect(values);
        return withClient(connection, async (client) => {
          const publicKey = await getPublicKey(client, keyType, { timeoutMs: connection.timeoutMs });
          if (values.pem) io.stdout.write(publicKey.pem.endsWith("\n") ? publicKey.pem : `${publicKey.pem}\n`);
          else io.stdout.write(`key-id: ${publicKey.keyId}\nspki-der: ${Buffer.from(publicKey.spkiDer).toString("base64")}\n`);
          return 0;
        });
      }),
  },

  verify: {
    summary: "asks the server whether a signature is valid; exit code 0 when valid, 1 when not",
    usage: `${verifyUsage}\n  ALGORITHM: ${ALGORITHM_NAMES.join("|")}\n${COMMON_HELP}`,
    run: (argv, io) =>
      guarded(io, verifyUsage, async () => {
        const { values } = parseArgs({
          args: argv,
          strict: true,
          options: { ...signedDataOptions, signature: { type: "string" } },
        });
        if (values.help) return printUsage(io, cryptoCommands.verify);
        const keyType = requireKeyType(values["key-type"]);
        const algorithm = requireAlgorithm(values.algorithm);
        const signature = requireBase64("signature", values.signature);
        const data = await readData(values);
        const connection = connect(values);
        return withClient(connection, async (client) => {
          const valid = await verify(client, { data, signature, keyType, algorithm }, { timeoutMs: connection.timeoutMs });
          io.stdout.write(`valid: ${valid}\n`);
          return valid ? 0 : 1;
        });
      }),
  },
};
