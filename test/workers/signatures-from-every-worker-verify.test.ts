// Every worker signs with the keys the primary generated: one public key verifies signatures from all of them.
import assert from "node:assert/strict";
import { createPublicKey, verify as nodeVerify } from "node:crypto";
import net from "node:net";
import { test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { buildConnector, type Connector } from "../../src/client/connector.js";
import { nodeClientEngine } from "../../src/engine/node/client.js";
import { CryptoService, KeyType, SignatureAlgorithm } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { startWorkerServer, workerPids } from "./support/server-process.js";

/** Connects like the standard connector and reports the local port, which the server logs as the peer. */
function portReportingConnector(onPort: (port: number) => void): Connector {
  const base = buildConnector(nodeClientEngine);
  return async (request) => {
    if (request.address.scheme !== "tcp") throw new Error("tcp only");
    const socket = await new Promise<net.Socket>((resolve, reject) => {
      const s = net.connect({ host: request.address.scheme === "tcp" ? request.address.host : "", port: request.address.port ?? 0 }, () => resolve(s));
      s.once("error", reject);
    });
    onPort(socket.localPort ?? 0);
    return nodeClientEngine.connect(socket, { authority: `127.0.0.1:${request.address.port}` }, request.events);
  };
}

const DATA = new TextEncoder().encode("signed by whichever worker holds this connection");
const CASES = [
  { keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1, digest: "sha256" },
  { keyType: KeyType.ED25519, algorithm: SignatureAlgorithm.ED25519, digest: null },
  { keyType: KeyType.RSA, algorithm: SignatureAlgorithm.RSA_PKCS1_SHA256, digest: "sha256" },
];

test("signatures from every worker verify with the public key fetched from any connection", { timeout: 60_000 }, async () => {
  const server = await startWorkerServer(["--workers", "2", "--log-level", "debug"]);
  const clients: GrpcClient[] = [];
  try {
    const pids = workerPids(server);
    assert.equal(pids.length, 2);
    const answeredBy = new Map<number, { spki: Uint8Array[]; signatures: Uint8Array[] }>();
    for (let attempt = 0; attempt < 12 && answeredBy.size < pids.length; attempt++) {
      let localPort = 0;
      const client = new GrpcClient(server.url, { connector: portReportingConnector((port) => { localPort = port; }) });
      clients.push(client);
      const keys = await Promise.all(CASES.map((c) => client.unary(CryptoService.method.getPublicKey, { keyType: c.keyType })));
      const signatures = await Promise.all(CASES.map((c) => client.unary(CryptoService.method.sign, { keyType: c.keyType, algorithm: c.algorithm, data: DATA })));
      const accepted = await server.waitForLog((line) => line.msg === "connection accepted" && line.peer === `127.0.0.1:${localPort}`);
      assert.ok(pids.includes(accepted.pid), `connection served by worker ${accepted.pid}`);
      answeredBy.set(accepted.pid, { spki: keys.map((k) => k.spkiDer), signatures: signatures.map((s) => s.signature) });
    }
    assert.equal(answeredBy.size, 2, "connections reached both workers");
    const [first, second] = [...answeredBy.values()];
    assert.ok(first && second);
    CASES.forEach((c, i) => {
      assert.deepEqual(first.spki[i], second.spki[i], `same ${KeyType[c.keyType]} public key from both workers`);
      const publicKey = createPublicKey({ key: Buffer.from(first.spki[i] as Uint8Array), format: "der", type: "spki" });
      for (const worker of [first, second]) {
        assert.ok(nodeVerify(c.digest, DATA, publicKey, worker.signatures[i] as Uint8Array), `${KeyType[c.keyType]} signature verifies`);
      }
    });
  } finally {
    await Promise.all(clients.map((client) => client.close(true)));
    server.child.kill("SIGTERM");
    await server.exited;
  }
});
