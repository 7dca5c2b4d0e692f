/**
 * The end-to-end scenario from the product spec, as ONE function so that every transport runs the same thing:
 * start a server, call it through our client, shut everything down without leaking handles.
 * TCP runs it in test/e2e; the VSOCK suite runs it inside the test VM.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { GrpcClient } from "../../src/client/client.js";
import { GrpcServer } from "../../src/server/server.js";
import { createEchoService, EchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import { activeHandles, expectNoLeaks } from "./harness.js";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { createCryptoService } from "../../src/services/crypto.js";
import { CryptoService } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { KeyType, SignatureAlgorithm, getPublicKey, sign, verifyLocally } from "../../src/client/crypto-client.js";

export interface EndToEndOptions {
  /** Where the server listens, e.g. "tcp://127.0.0.1:0" or "vsock://any:5000". */
  listenUrl: string;
  /** The client's target for the listener's actual URL. */
  dialUrl(listenerUrl: string): string;
}

export async function endToEnd({ listenUrl, dialUrl }: EndToEndOptions): Promise<void> {
  const before = activeHandles();
  const server = new GrpcServer({ log: silentLogger() });
  server.addService(EchoService, createEchoService(silentLogger()));
  server.addService(CryptoService, createCryptoService(await generateKeyring({ rsaBits: 2048 })));
  const listener = await server.listen(listenUrl);
  assert.notEqual(listener.address.port, 0, "the listener reports the port it bound");

  const client = new GrpcClient(dialUrl(listener.url));
  for (const payload of [new Uint8Array(0), Buffer.from("hello fastgrpc"), randomBytes(1024 * 1024)]) {
    const reply = await client.unary(EchoService.method.echo, { payload }, { timeoutMs: 30_000 });
    assert.equal(Buffer.compare(Buffer.from(reply.payload), Buffer.from(payload)), 0, `echo of ${payload.length} bytes`);
  }

  // Signing with RSA and with ECC, each signature checked locally against the served public key.
  const data = Buffer.from("sign me, end to end");
  for (const [keyType, algorithm] of [
    [KeyType.RSA, SignatureAlgorithm.RSA_PSS_SHA256],
    [KeyType.EC_P256, SignatureAlgorithm.ECDSA_P256_SHA256_FIXED],
  ] as const) {
    const signed = await sign(client, { data, keyType, algorithm }, { timeoutMs: 30_000 });
    const publicKey = await getPublicKey(client, keyType, { timeoutMs: 30_000 });
    assert.equal(signed.keyId, publicKey.keyId, "the signature names the served key");
    assert.ok(verifyLocally(publicKey.spkiDer, algorithm, data, signed.signature), `signature of ${KeyType[keyType]} verifies`);
    assert.ok(!verifyLocally(publicKey.spkiDer, algorithm, Buffer.from("other data"), signed.signature), "and only for its data");
  }

  await client.close();
  await server.shutdown(1000);
  await expectNoLeaks(before);
}
