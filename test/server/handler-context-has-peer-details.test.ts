/**
 * What a handler knows about its peer: address and port over TCP; over TLS also the protocol, the ALPN and, under
 * mutual TLS, the verified client certificate (subject, SANs, SHA-256 fingerprint). Every engine.
 */
import assert from "node:assert/strict";
import { X509Certificate } from "node:crypto";
import { spawnSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import { type ClientOptions, GrpcClient } from "../../src/client/client.js";
import { GrpcServer } from "../../src/server/server.js";
import { EchoService } from "../../src/services/echo.js";
import { silentLogger } from "../../src/log/logger.js";
import type { PeerInfo } from "../../src/transport/types.js";
import { ENGINES } from "../support/engines.js";
import { type TestPki, makeTestPki } from "../tls/certificates.js";

const skip = spawnSync("openssl", ["version"]).status === 0 ? undefined : "the openssl CLI is missing (apt-get install openssl)";

describe("handler context: peer details", { skip }, () => {
  let pki: TestPki;
  before(() => { pki = makeTestPki(); });
  after(() => pki.remove());

  for (const engine of ENGINES) {
    describe(`engine ${engine.name}`, () => {
      async function peerSeen(url: string, listenTls: boolean, clientTls?: ClientOptions): Promise<PeerInfo> {
        const peers: PeerInfo[] = [];
        const server = new GrpcServer({ log: silentLogger(), engine: engine.server });
        server.addService(EchoService, { echo(request, ctx) { peers.push(ctx.peer); return { payload: request.payload }; } });
        const listener = await server.listen(url, listenTls ? { tls: { cert: pki.serverCert, key: pki.serverKey, clientCa: pki.caCert } } : {});
        const client = new GrpcClient(listener.url, { engine: engine.client, ...clientTls });
        try {
          await client.unary(EchoService.method.echo, { payload: Buffer.from("x") }, { timeoutMs: 5000 });
        } finally {
          await client.close(true);
          await server.shutdown(200);
        }
        return peers[0] ?? assert.fail("the handler did not run");
      }

      test("TCP: transport, address and port", async () => {
        const peer = await peerSeen("tcp://127.0.0.1:0", false);
        assert.equal(peer.transport, "tcp");
        assert.equal(peer.address, "127.0.0.1");
        assert.ok(typeof peer.port === "number" && peer.port > 0);
        assert.equal(peer.label, `127.0.0.1:${peer.port}`);
        assert.equal(peer.tls, undefined);
      });

      test("mutual TLS: protocol, ALPN h2 and the verified client certificate", async () => {
        const peer = await peerSeen("tls://127.0.0.1:0", true, { tls: { ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey } });
        assert.equal(peer.transport, "tls");
        assert.equal(peer.address, "127.0.0.1");
        assert.equal(peer.tls?.alpn, "h2");
        assert.match(peer.tls?.protocol ?? "", /^TLSv1\.[23]$/);
        const certificate = peer.tls?.certificate ?? assert.fail("no client certificate");
        assert.equal(certificate.subject["CN"], "client");
        assert.equal(certificate.issuer["CN"], "ca");
        assert.deepEqual(certificate.subjectAltNames, ["DNS:client.example", "URI:spiffe://example.org/client"]);
        assert.equal(certificate.fingerprint256, new X509Certificate(pki.clientCert).fingerprint256);
        assert.equal(certificate.verified, true);
      });
    });
  }
});
