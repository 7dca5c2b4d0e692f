/**
 * Rich error details (google.rpc.Status in grpc-status-details-bin) with Python grpcio, Google's C-core, both
 * ways: a grpcio client decodes the Status our server sends (both engines), and our client decodes the Status a
 * grpcio server sends (abort_with_status, as grpcio-status does). Skips, saying why, without python3-grpcio.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import { create, toBinary } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { GrpcClient } from "../../src/client/client.js";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { detail } from "../../src/errors/status-details.js";
import { ErrorInfoSchema, file_google_rpc_error_details } from "../../src/gen/google/rpc/error_details_pb.js";
import { file_google_rpc_status } from "../../src/gen/google/rpc/status_pb.js";
import { EchoService } from "../../src/services/echo.js";
import { ENGINES } from "../support/engines.js";
import { startEcho } from "../support/harness.js";
import { PYTHON, missingPythonGrpc } from "./support/interop-processes.js";

const SCRIPT = fileURLToPath(new URL("../../../test/interop/peers/python_status_details.py", import.meta.url));

interface PythonView {
  code: string;
  message: string;
  status: { code: number; message: string; details: Array<{ type_url: string; reason?: string; domain?: string; metadata?: Record<string, string> }> } | null;
}

/** Runs the Python program to its end without blocking this process's event loop (our server lives in it). */
function runPython(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [SCRIPT, ...args], { stdio: ["ignore", "pipe", "pipe"], timeout: 30_000 });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => { stdout += chunk.toString(); });
    child.stderr.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
    child.once("error", reject);
    child.once("close", (status) => resolve({ status, stdout, stderr }));
  });
}

describe("error details with Python grpcio", { skip: missingPythonGrpc() }, () => {
  let dir: string;
  let descriptorSet: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "fastgrpc-status-details-"));
    descriptorSet = join(dir, "google-rpc.binpb");
    const set = create(FileDescriptorSetSchema, { file: [file_google_rpc_status.proto, file_google_rpc_error_details.proto] });
    writeFileSync(descriptorSet, toBinary(FileDescriptorSetSchema, set));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const engine of ENGINES) {
    test(`a grpcio client decodes the Status our server sends (engine ${engine.name})`, async () => {
      const running = await startEcho(engine, {
        setup: (server) => server.addService(EchoService, {
          echo() {
            throw new GrpcError(Code.FAILED_PRECONDITION, "not now ☃", {
              details: [detail(ErrorInfoSchema, { reason: "MAINTENANCE", domain: "fastgrpc.test", metadata: { window: "5m" } })],
            });
          },
        }),
      });
      try {
        const port = new URL(running.url.replace(/^tcp:/, "http:")).port;
        const run = await runPython(["client", `--port=${port}`, `--descriptor_set=${descriptorSet}`]);
        assert.equal(run.status, 0, run.stderr);
        const seen = JSON.parse(run.stdout) as PythonView;
        assert.equal(seen.code, "FAILED_PRECONDITION");
        assert.equal(seen.message, "not now ☃");
        assert.deepEqual(seen.status, {
          code: Code.FAILED_PRECONDITION,
          message: "not now ☃",
          details: [{ type_url: "type.googleapis.com/google.rpc.ErrorInfo", reason: "MAINTENANCE", domain: "fastgrpc.test", metadata: { window: "5m" } }],
        });
      } finally {
        await running.stop();
      }
    });
  }

  for (const engine of ENGINES) {
    test(`our client decodes the Status a grpcio server sends (engine ${engine.name})`, async () => {
      const python = spawn(PYTHON, [SCRIPT, "server", `--descriptor_set=${descriptorSet}`], { stdio: ["pipe", "pipe", "inherit"] });
      try {
        const port = await new Promise<number>((resolve, reject) => {
          let out = "";
          python.stdout.on("data", (chunk: Buffer) => {
            out += chunk.toString();
            const match = /listening on (\d+)/.exec(out);
            if (match) resolve(Number(match[1]));
          });
          python.once("exit", (code) => reject(new Error(`the grpcio server exited (${code}) before listening: ${out}`)));
        });
        const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { engine: engine.client });
        try {
          await assert.rejects(client.unary(EchoService.method.echo, { payload: new Uint8Array(1) }, { timeoutMs: 10_000 }), (error: unknown) => {
            assert.ok(error instanceof GrpcError);
            assert.equal(error.code, Code.RESOURCE_EXHAUSTED);
            assert.equal(error.rawMessage, "quota used up");
            const [info] = error.findDetails(ErrorInfoSchema);
            assert.equal(info?.reason, "QUOTA");
            assert.equal(info?.domain, "python.example");
            assert.deepEqual(info?.metadata, { tier: "free" });
            return true;
          });
        } finally {
          await client.close(true);
        }
      } finally {
        python.stdin.end();
        python.kill();
      }
    });
  }
});
