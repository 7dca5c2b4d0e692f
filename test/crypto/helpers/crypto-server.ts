/** A real GrpcServer with the Crypto service on an ephemeral loopback port, and a client for it. */
import { generateKeyring, type Keyring } from "../../../src/crypto/keyring.js";
import { GrpcClient } from "../../../src/client/client.js";
import { getPublicKey, sign, verify } from "../../../src/client/crypto-client.js";
import { GrpcServer } from "../../../src/server/server.js";
import { CryptoService } from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { createCryptoService } from "../../../src/services/crypto.js";
import type { CryptoApi } from "./crypto-api.js";

export interface RunningCryptoServer {
  readonly url: string;
  readonly keyring: Keyring;
  readonly client: GrpcClient;
  readonly api: CryptoApi;
  stop(): Promise<void>;
}

export interface CryptoServerOptions {
  maxMessageBytes?: number;
  /** Sign on this many signing threads (signing-threads.ts); absent = on libuv's pool. */
  signingThreads?: number;
}

export async function startCryptoServer(options: CryptoServerOptions = {}): Promise<RunningCryptoServer> {
  const keyring = await generateKeyring();
  if (options.signingThreads !== undefined) await keyring.startSigningThreads({ threads: options.signingThreads, nice: 19 });
  const server = new GrpcServer(options.maxMessageBytes === undefined ? {} : { maxMessageBytes: options.maxMessageBytes });
  server.addService(CryptoService, createCryptoService(keyring));
  const listener = await server.listen("tcp://127.0.0.1:0");
  const client = new GrpcClient(listener.url);
  const callOptions = { timeoutMs: 10_000 };
  const api: CryptoApi = {
    // The typed helpers take full enums; the contract also sends numbers outside them, which the wire carries as is.
    sign: (request) => sign(client, { data: request.data ?? new Uint8Array(0), keyType: request.keyType ?? 0, algorithm: request.algorithm ?? 0 }, callOptions),
    getPublicKey: (request) => getPublicKey(client, request.keyType ?? 0, callOptions),
    verify: async (request) => ({
      valid: await verify(
        client,
        {
          data: request.data ?? new Uint8Array(0),
          signature: request.signature ?? new Uint8Array(0),
          keyType: request.keyType ?? 0,
          algorithm: request.algorithm ?? 0,
        },
        callOptions,
      ),
    }),
  };
  return {
    url: listener.url,
    keyring,
    client,
    api,
    async stop() {
      await client.close(true);
      await server.shutdown(0);
      await keyring.close();
    },
  };
}
