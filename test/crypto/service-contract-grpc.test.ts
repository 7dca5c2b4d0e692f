// The Crypto service's contract through a real server and client on loopback, plus what only the wire can show,
// once for each way the server signs: on libuv's pool and on signing threads.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { getPublicKey, sign, verifyLocally } from "../../src/client/crypto-client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { cryptoContractTests } from "./helpers/contract.js";
import { startCryptoServer, type RunningCryptoServer } from "./helpers/crypto-server.js";

const LIMIT = 64 * 1024;

for (const [signing, signingThreads] of [["libuv's pool", undefined], ["two signing threads", 2]] as const) {
  describe(`signing on ${signing}`, () => {
    let server: RunningCryptoServer | undefined;

    function running(): RunningCryptoServer {
      if (server === undefined) throw new Error("server not started");
      return server;
    }

    before(async () => {
      server = await startCryptoServer({ maxMessageBytes: LIMIT, ...(signingThreads !== undefined ? { signingThreads } : {}) });
    });
    after(async () => {
      await server?.stop();
    });

    cryptoContractTests(() => running().api);

    test("data that fits the message limit signs; data above it is RESOURCE_EXHAUSTED", async () => {
      const { client } = running();
      // The request adds a few bytes of framing to the data: tag+length (4) plus key type and algorithm (4).
      const fits = new Uint8Array(LIMIT - 16).fill(7);
      const signed = await sign(client, { data: fits, keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 });
      const { spkiDer } = await getPublicKey(client, KeyType.EC_P256);
      assert.equal(verifyLocally(spkiDer, SignatureAlgorithm.ECDSA_P256_SHA256_ASN1, fits, signed.signature), true);
      await assert.rejects(
        sign(client, { data: new Uint8Array(LIMIT + 1), keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 }),
        (error: unknown) => error instanceof GrpcError && error.code === Code.RESOURCE_EXHAUSTED,
      );
      // The connection survives the refusal.
      assert.ok((await sign(client, { data: fits.subarray(0, 10), keyType: KeyType.ED25519, algorithm: SignatureAlgorithm.ED25519 })).signature.length === 64);
    });

    test("many concurrent signatures of every key type all verify", async () => {
      const { client } = running();
      const algorithms = [
        [KeyType.RSA, SignatureAlgorithm.RSA_PSS_SHA256],
        [KeyType.EC_P256, SignatureAlgorithm.ECDSA_P256_SHA256_FIXED],
        [KeyType.EC_P384, SignatureAlgorithm.ECDSA_P384_SHA384_ASN1],
        [KeyType.ED25519, SignatureAlgorithm.ED25519],
      ] as const;
      const keys = new Map<KeyType, Uint8Array>();
      for (const [keyType] of algorithms) keys.set(keyType, (await getPublicKey(client, keyType)).spkiDer);
      const calls = Array.from({ length: 200 }, async (_, i) => {
        const [keyType, algorithm] = algorithms[i % algorithms.length] ?? algorithms[0];
        const data = new TextEncoder().encode(`message ${i}`);
        const { signature } = await sign(client, { data, keyType, algorithm });
        const der = keys.get(keyType);
        assert.ok(der);
        return verifyLocally(der, algorithm, data, signature);
      });
      const results = await Promise.all(calls);
      assert.equal(results.filter((ok) => ok).length, 200);
    });

    test("verifyLocally refuses a key that does not fit the algorithm and returns false for a wrong signature", async () => {
      const { client } = running();
      const rsa = await getPublicKey(client, KeyType.RSA);
      assert.throws(() => verifyLocally(rsa.spkiDer, SignatureAlgorithm.ED25519, new Uint8Array(1), new Uint8Array(64)), /needs a KEY_TYPE_ED25519 key, not RSA-2048/);
      assert.throws(() => verifyLocally(new Uint8Array([1, 2, 3]), SignatureAlgorithm.ED25519, new Uint8Array(1), new Uint8Array(64)), /not a valid SubjectPublicKeyInfo/);
      assert.throws(() => verifyLocally(rsa.spkiDer, 99 as SignatureAlgorithm, new Uint8Array(1), new Uint8Array(64)), /99 is not a signature algorithm/);
      assert.equal(verifyLocally(rsa.spkiDer, SignatureAlgorithm.RSA_PKCS1_SHA256, new Uint8Array(1), new Uint8Array(256)), false);
    });
  });
}
