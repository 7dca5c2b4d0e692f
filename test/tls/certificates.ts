/** Test certificates made with the openssl CLI in a temp dir: a CA, a server and a client it signs, and a rogue client. */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPki {
  readonly dir: string;
  readonly caCert: Buffer;
  readonly serverCert: Buffer;
  readonly serverKey: Buffer;
  readonly clientCert: Buffer;
  readonly clientKey: Buffer;
  /** Signed by a CA the server does not trust. */
  readonly rogueCert: Buffer;
  readonly rogueKey: Buffer;
  remove(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function ca(dir: string, name: string): void {
  openssl(dir, ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
    "-subj", `/CN=${name}`, "-keyout", `${name}.key`, "-out", `${name}.crt`]);
}

function leaf(dir: string, name: string, issuer: string, extensions: string): void {
  openssl(dir, ["req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", `/CN=${name}`,
    "-keyout", `${name}.key`, "-out", `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ["x509", "-req", "-in", `${name}.csr`, "-CA", `${issuer}.crt`, "-CAkey", `${issuer}.key`, "-CAcreateserial",
    "-days", "2", "-extfile", `${name}.ext`, "-out", `${name}.crt`]);
}

export function makeTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-tls-"));
  ca(dir, "ca");
  ca(dir, "rogue-ca");
  leaf(dir, "server", "ca", "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n");
  leaf(dir, "client", "ca", "subjectAltName=DNS:client.example,URI:spiffe://example.org/client\nextendedKeyUsage=clientAuth\n");
  leaf(dir, "rogue", "rogue-ca", "extendedKeyUsage=clientAuth\n");
  const read = (name: string) => readFileSync(join(dir, name));
  return {
    dir,
    caCert: read("ca.crt"),
    serverCert: read("server.crt"),
    serverKey: read("server.key"),
    clientCert: read("client.crt"),
    clientKey: read("client.key"),
    rogueCert: read("rogue.crt"),
    rogueKey: read("rogue.key"),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
