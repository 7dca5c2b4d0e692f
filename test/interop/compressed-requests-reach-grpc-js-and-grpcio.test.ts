/**
 * Our compressed requests, read by other implementations: the matrix's client_compressed_* cases stop at the
 * expect_compressed probe against grpc-js and grpcio servers (they cannot see compression), so here our client
 * (both engines) sends gzip and deflate requests, unary and client-streaming, to their interop servers and checks
 * the answers, which need every byte inflated right. Python columns skip, saying why, without python3-grpcio.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { GrpcClient } from "../../src/client/client.js";
import { TestService } from "../../src/gen/grpc/testing/test_pb.js";
import { ENGINES } from "../support/engines.js";
import { writeInteropDescriptorSet } from "./peers/descriptor-set.js";
import { PROGRAMS, PYTHON, type RunningServer, missingPythonGrpc, startServer } from "./support/interop-processes.js";

const peers = [
  { name: "grpc-js", skip: undefined, start: () => startServer(process.execPath, [PROGRAMS.grpcJsServer, "--port=0"]) },
  { name: "grpcio", skip: missingPythonGrpc(), start: (descriptorSet: string) => startServer(PYTHON, [PROGRAMS.pythonServer, "--port=0", `--descriptor_set=${descriptorSet}`]) },
];

for (const peer of peers) {
  describe(`compressed requests from fastgrpc to the ${peer.name} interop server`, { skip: peer.skip }, () => {
    let dir: string;
    let server: RunningServer;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), "fastgrpc-compressed-"));
      const descriptorSet = join(dir, "grpc-testing.binpb");
      writeInteropDescriptorSet(descriptorSet);
      server = await peer.start(descriptorSet);
    });
    after(async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    for (const engine of ENGINES) {
      test(`gzip and deflate, unary and client-streaming (engine ${engine.name})`, async () => {
        const client = new GrpcClient(`tcp://127.0.0.1:${server.port}`, { engine: engine.client });
        try {
          for (const compression of ["gzip", "deflate"] as const) {
            const reply = await client.unary(TestService.method.unaryCall, { responseSize: 1000, payload: { body: new Uint8Array(200_000) } }, { compression });
            assert.equal(reply.payload?.body.length, 1000, `${compression} unary`);
            async function* requests() {
              for (const size of [27182, 8, 1828, 45904]) yield { payload: { body: new Uint8Array(size).fill(size & 0xff) } };
            }
            const total = await client.clientStream(TestService.method.streamingInputCall, requests(), { compression });
            assert.equal(total.aggregatedPayloadSize, 74922, `${compression} client stream`);
          }
        } finally {
          await client.close(true);
        }
      });
    }
  });
}
