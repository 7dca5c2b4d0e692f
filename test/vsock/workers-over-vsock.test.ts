/**
 * fastgrpc-server --workers 2 on a vsock listener, inside the test VM: the primary opens the listening socket, and
 * it and its worker accept on it (its descriptor, the worker's inherited copy; GrpcServer.adoptListener); every
 * connection's signature verifies
 * with the one public key; SIGTERM drains and exits 0.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { KeyType, SignatureAlgorithm, getPublicKey, sign, verifyLocally } from "../../src/client/crypto-client.js";
import { EchoService } from "../../src/services/echo.js";
import { startServerCli } from "../support/cli.js";
import { requireVsockVm, vsockVmSkip } from "../vm/guard.js";

test("fastgrpc-server --workers 2 serves a vsock listener from both processes, all signing with one key", { skip: vsockVmSkip(), timeout: 300_000 }, async () => {
  requireVsockVm();
  const server = await startServerCli(["--workers", "2", "--listen", "vsock://any:5100", "--log-level", "warn"], 1, 240_000);
  try {
    assert.deepEqual(server.urls, ["vsock://any:5100"]);
    const clients = Array.from({ length: 4 }, () => new GrpcClient("vsock://1:5100", { connectTimeoutMs: 30_000 }));
    try {
      const data = Buffer.from("signed by some worker");
      const publicKey = await getPublicKey(clients[0] ?? new GrpcClient("vsock://1:5100"), KeyType.EC_P256, { timeoutMs: 60_000 });
      for (const client of clients) {
        const reply = await client.unary(EchoService.method.echo, { payload: Buffer.from("over vsock") }, { timeoutMs: 60_000 });
        assert.equal(Buffer.from(reply.payload).toString(), "over vsock");
        const signed = await sign(client, { data, keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 }, { timeoutMs: 60_000 });
        assert.equal(signed.keyId, publicKey.keyId, "every worker signs with the same key");
        assert.ok(verifyLocally(publicKey.spkiDer, SignatureAlgorithm.ECDSA_P256_SHA256_ASN1, data, signed.signature));
      }
    } finally {
      for (const client of clients) await client.close(true);
    }
  } finally {
    const finished = await server.stop("SIGTERM");
    assert.equal(finished.code, 0, finished.stderr);
  }
});
