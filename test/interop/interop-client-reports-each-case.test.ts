/**
 * The interop programs themselves: the client passes a case only when the server gets it right (one FAIL line
 * saying why, exit 1, otherwise), runs a comma list in one process, and refuses bad usage with exit 2; the server
 * refuses TLS without a certificate.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { TestService } from "../../src/gen/grpc/testing/test_pb.js";
import { createTestService } from "../../src/interop/test-service.js";
import { GrpcServer } from "../../src/server/server.js";
import { silentLogger } from "../../src/log/logger.js";
import { PROGRAMS, runClient } from "./support/interop-processes.js";

const NODE = process.execPath;

describe("fastgrpc-interop-client against a server that gets cases wrong", () => {
  let server: GrpcServer;
  let port: number;
  before(async () => {
    server = new GrpcServer({ log: silentLogger() });
    const correct = createTestService();
    server.addService(TestService, {
      ...correct,
      // Wrong on purpose: a short payload, no status, no echoed metadata, responses never compressed.
      unaryCall: () => ({ payload: { body: new Uint8Array(10) } }),
      async *fullDuplexCall(requests) {
        for await (const request of requests) {
          if (request.responseStatus !== undefined) throw new GrpcError(13, "not what was asked");
          for (const parameter of request.responseParameters) yield { payload: { body: new Uint8Array(parameter.size) } };
        }
      },
    });
    const listener = await server.listen("tcp://127.0.0.1:0");
    port = Number(new URL(listener.url.replace("tcp://", "http://")).port);
  });
  after(() => server.shutdown(500));

  test("each case gets one line; a wrong answer is a FAIL with the reason and exit code 1", async () => {
    const cases = ["empty_unary", "large_unary", "status_code_and_message", "custom_metadata", "ping_pong", "server_compressed_streaming"];
    const run = await runClient(NODE, [PROGRAMS.fastgrpcClient, "--server_host=127.0.0.1", `--server_port=${port}`, `--test_case=${cases.join(",")}`], 60_000);
    assert.equal(run.exitCode, 1, run.output);
    assert.deepEqual([...run.outcomes.keys()], cases);
    assert.equal(run.outcomes.get("empty_unary")?.result, "PASS");
    assert.equal(run.outcomes.get("ping_pong")?.result, "PASS");
    assert.match(run.outcomes.get("large_unary")?.detail ?? "", /payload of 10 bytes, expected 314159/);
    assert.match(run.outcomes.get("status_code_and_message")?.detail ?? "", /UnaryCall: succeeded, expected UNKNOWN/);
    assert.equal(run.outcomes.get("custom_metadata")?.result, "FAIL");
    // StreamingOutputCall is the correct one: it compresses the first response, so this case passes.
    assert.equal(run.outcomes.get("server_compressed_streaming")?.result, "PASS");
    for (const line of run.output.trim().split("\n")) assert.match(line, /^(PASS [a-z_]+ \(\d+ ms\)|FAIL [a-z_]+: \S.*)$/);
  });

  test("a server without compression fails the compression cases: the client checks the wire, not just the answers", async () => {
    const plain = new GrpcServer({ log: silentLogger() });
    const correct = createTestService();
    plain.addService(TestService, {
      ...correct,
      // Ignores response_compressed and expect_compressed (as a server that cannot see compression would).
      unaryCall: (request) => ({ payload: { body: new Uint8Array(request.responseSize) } }),
    });
    const listener = await plain.listen("tcp://127.0.0.1:0");
    try {
      const plainPort = new URL(listener.url.replace("tcp://", "http://")).port;
      const run = await runClient(NODE, [PROGRAMS.fastgrpcClient, "--server_host=127.0.0.1", `--server_port=${plainPort}`, "--test_case=client_compressed_unary,server_compressed_unary"], 60_000);
      assert.equal(run.exitCode, 1, run.output);
      assert.match(run.outcomes.get("client_compressed_unary")?.detail ?? "", /probe .*succeeded, expected INVALID_ARGUMENT/);
      assert.match(run.outcomes.get("server_compressed_unary")?.detail ?? "", /response_compressed=true: the response's compressed flag is false/);
    } finally {
      await plain.shutdown(500);
    }
  });
});

describe("interop programs refuse bad usage", () => {
  test("the client: unknown case, missing port, bad boolean exit 2 with one line", async () => {
    for (const args of [["--server_port=1", "--test_case=no_such_case"], ["--test_case=all"], ["--server_port=1", "--test_case=all", "--use_tls=yes"]]) {
      const run = await runClient(NODE, [PROGRAMS.fastgrpcClient, ...args], 20_000);
      assert.equal(run.exitCode, 2, run.output);
      assert.match(run.output, /^fastgrpc-interop-client: .+\n\(--help for usage\)\n$/);
    }
  });

  test("the server: TLS without certificate and key exits 2", async () => {
    const run = await runClient(NODE, [PROGRAMS.fastgrpcServer, "--port=0", "--use_tls=true"], 20_000);
    assert.equal(run.exitCode, 2, run.output);
    assert.match(run.output, /--use_tls=true needs --tls_cert_file=FILE and --tls_key_file=FILE/);
  });
});
