/** Peers no one here wrote, against the engine's server: curl, nghttp and h2load (Debian nghttp2-client). */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { promisify } from "node:util";
import { grpcFrame } from "./support/frames.js";
import { startEchoServer, type EchoServer } from "./support/echo-server.js";

const run = promisify(execFile);

async function have(binary: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${binary}`]);
    return true;
  } catch {
    // CI installs every tool (.ci/run): there a missing one is a failure, not a skip.
    if (process.env.INTEROP_TOOLS_REQUIRED === "1") assert.fail(`INTEROP_TOOLS_REQUIRED=1 but ${binary} is not installed`);
    return false;
  }
}

describe("interop with curl, nghttp and h2load", () => {
  let server: EchoServer;
  let bodyFile = "";
  const message = grpcFrame(Buffer.concat([Buffer.from([0x0a, 0x40]), Buffer.alloc(64, 0x78)]));

  before(async () => {
    server = await startEchoServer(undefined, 1000);
    const dir = mkdtempSync(join(tmpdir(), "h2-interop-"));
    bodyFile = join(dir, "echo-64.bin");
    writeFileSync(bodyFile, message);
  });
  after(() => server.close());

  it("curl --http2-prior-knowledge gets the echo and grpc-status 0", async (t) => {
    if (!(await have("curl"))) return t.skip("curl not installed (Debian package curl)");
    const url = `http://127.0.0.1:${server.port}/test.Echo/Echo`;
    const { stdout } = await run("curl", ["-sS", "--http2-prior-knowledge", "--data-binary", `@${bodyFile}`,
      "-H", "content-type: application/grpc", "-H", "te: trailers", "-o", "-", url], { encoding: "buffer" });
    assert.deepEqual(stdout, message);
    const { stdout: headers } = await run("curl", ["-sS", "--http2-prior-knowledge", "--data-binary", `@${bodyFile}`,
      "-H", "content-type: application/grpc", "-H", "te: trailers", "-D", "-", "-o", "/dev/null", url]);
    assert.match(headers, /^HTTP\/2 200/m);
    assert.match(headers, /^content-type: application\/grpc/m);
    assert.match(headers, /^grpc-status: 0/m);
  });

  it("nghttp: echo, trailers, and a 1 MiB body with flow control", async (t) => {
    if (!(await have("nghttp"))) return t.skip("nghttp not installed (Debian package nghttp2-client)");
    const url = `http://127.0.0.1:${server.port}/test.Echo/Echo`;
    const { stdout } = await run("nghttp", ["-v", "-d", bodyFile, "-H", "content-type: application/grpc", "-H", "te: trailers", url]);
    assert.match(stdout, /:status: 200/);
    assert.match(stdout, /grpc-status: 0/);
    assert.match(stdout, /recv DATA frame <length=71, flags=0x00, stream_id=\d+>/);
    const big = join(bodyFile, "..", "big.bin");
    writeFileSync(big, grpcFrame(Buffer.alloc(1024 * 1024, 0x61)));
    const r = await run("nghttp", ["-n", "-s", "-w", "16", "-W", "16", "-d", big, "-H", "content-type: application/grpc", url],
      { maxBuffer: 64 * 1024 * 1024 });
    assert.match(r.stdout, /Request timing/);
  });

  it("h2load -n 20000 -c 4 -m 50: every request succeeds", async (t) => {
    if (!(await have("h2load"))) return t.skip("h2load not installed (Debian package nghttp2-client)");
    const completedBefore = server.stats.completed;
    const { stdout } = await run("h2load", ["-n", "20000", "-c", "4", "-m", "50", "-t", "1", "-d", bodyFile,
      "-H", "content-type: application/grpc", "-H", "te: trailers", `http://127.0.0.1:${server.port}/test.Echo/Echo`],
      { timeout: 120_000 });
    assert.match(stdout, /requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout/);
    assert.match(stdout, /status codes: 20000 2xx/);
    assert.equal(server.stats.completed - completedBefore, 20000);
  });
});
