// TLS on resolved targets: with the client's `tls` option, every address a dns:, ipv4: or ipv6: target resolves to
// is dialled over TLS with that CA / client certificate / servername, and a dns: target's certificate is checked
// against the target's HOST (as gRPC does), not the resolved IP. The server certificate here names DNS:localhost
// only (no IP), so a dial that verified the IP would fail. Both engines, certificates from the openssl CLI.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { DnsResolver, resolverFor } from "../../src/client/resolver/index.js";
import type { Resolver } from "../../src/client/resolver/index.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { silentLogger } from "../../src/log/logger.js";
import { GrpcServer } from "../../src/server/server.js";
import { createEchoService, EchoService } from "../../src/services/echo.js";
import { type Address, formatAddress } from "../../src/transport/address.js";
import { ENGINES } from "../support/engines.js";

/** A CA and a server certificate for DNS:localhost only (no IP SAN). */
function localhostOnlyPki() {
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-resolved-tls-"));
  const openssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
  openssl(["req", "-x509", ...ec, "-days", "2", "-subj", "/CN=test-ca", "-keyout", "ca.key", "-out", "ca.crt"]);
  openssl(["req", ...ec, "-subj", "/CN=localhost", "-keyout", "server.key", "-out", "server.csr"]);
  writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost\nextendedKeyUsage=serverAuth\n");
  openssl(["x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "2", "-extfile", "server.ext", "-out", "server.crt"]);
  const read = (name: string) => readFileSync(join(dir, name));
  return { ca: read("ca.crt"), cert: read("server.crt"), key: read("server.key"), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The addresses a resolver gives first. */
function firstAddresses(resolver: Resolver): Promise<string[]> {
  return new Promise((resolve, reject) => {
    resolver.start({ onAddresses: (addresses: readonly Address[]) => resolve(addresses.map(formatAddress)), onError: reject });
  });
}

const failsWith = (code: Code, pattern?: RegExp) => (error: unknown) => {
  assert.ok(error instanceof GrpcError, String(error));
  assert.equal(error.codeName, Code[code], error.message);
  if (pattern !== undefined) assert.match(error.message, pattern);
  return true;
};

test("with tls, dns:, ipv4: and ipv6: names resolve to tls:// addresses; tcp:// and tls:// URLs keep their scheme", async () => {
  assert.deepEqual(await firstAddresses(resolverFor(["ipv4:127.0.0.1:1,127.0.0.2:2"], {}, true)), ["tls://127.0.0.1:1", "tls://127.0.0.2:2"]);
  assert.deepEqual(await firstAddresses(resolverFor(["ipv6:[::1]:3"], {}, true)), ["tls://[::1]:3"]);
  assert.deepEqual(await firstAddresses(resolverFor(["ipv4:127.0.0.1:1"])), ["tcp://127.0.0.1:1"], "no tls: plaintext, as before");
  assert.deepEqual(await firstAddresses(resolverFor(["tcp://127.0.0.1:4", "ipv4:127.0.0.1:5"], {}, true)), ["tcp://127.0.0.1:4", "tls://127.0.0.1:5"]);
  const lookup = () => Promise.resolve([{ address: "10.0.0.1", family: 4 }, { address: "fd00::1", family: 6 }]);
  const dns = new DnsResolver("echo.svc", 50051, { lookup, tls: true, refreshIntervalMs: 0 });
  assert.deepEqual(await firstAddresses(dns), ["tls://10.0.0.1:50051", "tls://[fd00::1]:50051"]);
  dns.close();
});

for (const engine of ENGINES) {
  describe(`${engine.name}: a TLS server reached through resolved targets`, () => {
    let pki: ReturnType<typeof localhostOnlyPki> | undefined;
    let server: GrpcServer | undefined;
    let port = 0;
    const transports: string[] = [];
    const clients: GrpcClient[] = [];
    before(async () => {
      pki = localhostOnlyPki();
      server = new GrpcServer({ log: silentLogger(), engine: engine.server });
      const echo = createEchoService(silentLogger());
      server.addService(EchoService, {
        ...echo,
        echo(request, context) {
          transports.push(context.peer.transport);
          return echo.echo(request, context);
        },
      });
      const listener = await server.listen("tls://127.0.0.1:0", { tls: { cert: pki.cert, key: pki.key } });
      port = Number(new URL(listener.url).port);
    });
    after(async () => {
      for (const client of clients) await client.close(true);
      await server?.shutdown(100);
      pki?.remove();
    });
    const client = (target: string, options: ConstructorParameters<typeof GrpcClient>[1]) => {
      const created = new GrpcClient(target, { engine: engine.client, connectTimeoutMs: 5000, ...options });
      clients.push(created);
      return created;
    };
    const echo = (c: GrpcClient, text: string) =>
      c.unary(EchoService.method.echo, { payload: Buffer.from(text) }, { timeoutMs: 5000 }).then((reply) => Buffer.from(reply.payload).toString());

    it("dns:///localhost:PORT with tls { ca }: calls go over TLS, the certificate checked against the name localhost", async () => {
      assert.ok(pki !== undefined);
      const c = client(`dns:///localhost:${port}`, { tls: { ca: pki.ca } });
      const before = transports.length;
      for (let i = 0; i < 3; i++) assert.equal(await echo(c, `by name ${i}`), `by name ${i}`);
      assert.deepEqual(transports.slice(before), ["tls", "tls", "tls"]);
    });

    it("dns:/// with tls and a servername the certificate does not carry: UNAVAILABLE (the name is verified)", async () => {
      assert.ok(pki !== undefined);
      const c = client(`dns:///localhost:${port}`, { tls: { ca: pki.ca, servername: "other.example" } });
      await assert.rejects(echo(c, "wrong name"), failsWith(Code.UNAVAILABLE, /other\.example/));
    });

    it("ipv4: with tls verifies the IP unless servername overrides it", async () => {
      assert.ok(pki !== undefined);
      const byIp = client(`ipv4:127.0.0.1:${port}`, { tls: { ca: pki.ca } });
      await assert.rejects(echo(byIp, "ip only"), failsWith(Code.UNAVAILABLE, /127\.0\.0\.1/));
      const overridden = client(`ipv4:127.0.0.1:${port}`, { tls: { ca: pki.ca, servername: "localhost" } });
      assert.equal(await echo(overridden, "servername override"), "servername override");
    });

    it("dns:/// without the tls option stays plaintext (and cannot talk to the TLS listener)", async () => {
      const c = client(`dns:///localhost:${port}`, {});
      await assert.rejects(echo(c, "plaintext"), failsWith(Code.UNAVAILABLE));
    });
  });
}
