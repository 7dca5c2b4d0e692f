/**
 * fastgrpc-server --workers 2 on a tls:// listener with mutual TLS: the primary reads the PEM files once and sends
 * them to its worker; it hands every other connection to the worker before the handshake, and both do handshakes. Clients with a certificate from the trusted CA are
 * served by both; one without a certificate, or with one from another CA, is refused and the refusal is logged at
 * warn by the process that refused it; the private key never appears in the output; /metrics counts the TLS
 * connections; a replacement worker serves the certificate read at start-up, even once the files are gone.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { EchoService } from "../../src/services/echo.js";
import type { TlsClientOptions } from "../../src/transport/tls.js";
import { type ServerProcess, startServerCli, type ServerLogLine, serverLogLines } from "../support/cli.js";
import { type TestPki, makeTestPki } from "./certificates.js";
import { metricSample } from "../support/metrics-text.js";

const skip = spawnSync("openssl", ["version"]).status === 0 ? undefined : "the openssl CLI is missing (apt-get install openssl)";
const GOOD_CLIENTS = 6;

describe("TLS under workers", { skip }, () => {
  let pki: TestPki;
  let server: ServerProcess;
  let url: string;
  let metricsUrl: string;
  /** The primary's pid, then its worker's. */
  let workerPids: number[] = [];
  const clients: GrpcClient[] = [];

  const client = (tls: TlsClientOptions): GrpcClient => {
    const made = new GrpcClient(url, { tls, connectTimeoutMs: 5000 });
    clients.push(made);
    return made;
  };
  const echo = (c: GrpcClient, text: string) => c.unary(EchoService.method.echo, { payload: Buffer.from(text) }, { timeoutMs: 10_000 });

  before(async () => {
    pki = makeTestPki();
    server = await startServerCli([
      "--workers", "2", "--listen", "tls://127.0.0.1:0", "--metrics-listen", "tcp://127.0.0.1:0", "--log-level", "debug",
      "--tls-cert", join(pki.dir, "server.crt"), "--tls-key", join(pki.dir, "server.key"), "--tls-client-ca", join(pki.dir, "ca.crt"),
    ], 1, 60_000);
    url = server.urls[0] ?? assert.fail("no url");
    metricsUrl = `http://${/metrics on tcp:\/\/(\S+)/.exec(server.stdout())?.[1] ?? assert.fail(server.stdout())}/metrics`;
    for (let i = 0; i < 200 && workerPids.length === 0; i++) {
      const ready = serverLogLines(server).find((line) => line.msg === "all workers listening");
      if (Array.isArray(ready?.pids)) workerPids = ready.pids.filter((pid): pid is number => typeof pid === "number");
      else await sleep(25);
    }
    assert.equal(workerPids.length, 2);
  });
  after(async () => {
    for (const each of clients.splice(0)) await each.close(true);
    const finished = await server.stop("SIGTERM");
    pki.remove();
    assert.equal(finished.code, 0, finished.stderr.slice(-2000));
  });

  test("clients with a certificate from the trusted CA are served, by both processes", async () => {
    assert.match(url, /^tls:\/\/127\.0\.0\.1:\d+$/);
    const acceptedLines = () => serverLogLines(server).filter((line) => line.msg === "connection accepted");
    const made = GOOD_CLIENTS;
    for (let i = 0; i < made; i++) {
      const reply = await echo(client({ ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }), `client ${i}`);
      assert.equal(Buffer.from(reply.payload).toString(), `client ${i}`);
    }
    // Each process logs its accepts on its own stderr: under load a line can land after the call's answer.
    let accepted = acceptedLines();
    for (let waited = 0; (accepted.length < made || new Set(accepted.map((line) => line.pid)).size < workerPids.length) && waited < 2000; waited += 25) {
      await sleep(25);
      accepted = acceptedLines();
    }
    assert.equal(accepted.length, made);
    assert.ok(accepted.every((line) => line.transport === "tls"));
    for (const pid of workerPids) assert.equal(accepted.filter((line) => line.pid === pid).length, made / 2, `handshakes done in turns, process ${pid}`);
    const metrics = await (await fetch(metricsUrl)).text();
    assert.equal(metricSample(metrics, "fastgrpc_server_connections_accepted_total", 'transport="tls"'), made);
    assert.equal(metricSample(metrics, "fastgrpc_server_connections_open", 'transport="tls"'), made);
  });

  test("a client without a certificate, or with one from another CA, is refused and the process that refused it logs it", async () => {
    const refused = (error: unknown) => error instanceof GrpcError && error.code === Code.UNAVAILABLE;
    await assert.rejects(echo(client({ ca: pki.caCert }), "no certificate"), refused);
    await assert.rejects(echo(client({ ca: pki.caCert, cert: pki.rogueCert, key: pki.rogueKey }), "rogue"), refused);
    let warnings: ServerLogLine[] = [];
    for (let i = 0; i < 200 && warnings.length < 2; i++) {
      warnings = serverLogLines(server).filter((line) => line.msg === "TLS handshake refused");
      if (warnings.length < 2) await sleep(25);
    }
    assert.ok(warnings.length >= 2, server.stderr().slice(-2000));
    assert.ok(warnings.every((line) => line.level === 40 && workerPids.includes(line.pid ?? 0)), JSON.stringify(warnings));
  });

  test("a replacement worker serves the certificate read at start-up, even with the files gone", async () => {
    for (const name of ["server.crt", "server.key", "ca.crt"]) rmSync(join(pki.dir, name));
    const killed = workerPids[1] ?? assert.fail();
    process.kill(killed, "SIGKILL");
    let replacement: ServerLogLine | undefined;
    for (let i = 0; i < 400 && replacement === undefined; i++) {
      replacement = serverLogLines(server).find((line) => line.msg === "replacement worker listening");
      if (replacement === undefined) await sleep(25);
    }
    const replacementPid = replacement?.workerPid;
    assert.equal(typeof replacementPid, "number", server.stderr().slice(-2000));
    const acceptedBefore = serverLogLines(server).filter((line) => line.msg === "connection accepted").length;
    const byReplacement = () => serverLogLines(server).filter((line) => line.msg === "connection accepted").slice(acceptedBefore).some((line) => line.pid === replacementPid);
    for (let i = 0; i < 4; i++) {
      const reply = await echo(client({ ca: pki.caCert, cert: pki.clientCert, key: pki.clientKey }), `after ${i}`);
      assert.equal(Buffer.from(reply.payload).toString(), `after ${i}`);
    }
    // Its accept log lines may trail the answers.
    for (let waited = 0; !byReplacement() && waited < 2000; waited += 25) await sleep(25);
    assert.ok(byReplacement(), "the replacement did some of the handshakes");
  });

  test("the TLS private key appears nowhere in the server's output", () => {
    const keyBody = pki.serverKey.toString().split("\n").filter((line) => line !== "" && !line.startsWith("-----"));
    const output = server.stdout() + server.stderr();
    assert.ok(keyBody.length > 0);
    assert.doesNotMatch(output, /PRIVATE KEY/);
    for (const line of keyBody) assert.ok(!output.includes(line), "a line of the key's base64 in the output");
  });
});
