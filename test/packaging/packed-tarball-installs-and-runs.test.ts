/**
 * `npm pack` gives a tarball that installs into a fresh project outside this repository with no C compiler on PATH,
 * ships the prebuilt vsock addons and the built dist/ with type declarations, resolves every `exports` subpath, and
 * its CLIs and a small server + client program run from there. With a Node 22 in .tools/ (`make node22`) the CLIs
 * and the program run on it too.
 */
import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT, describeRun, installInto, node22, packRepository, run, type PackedInstall } from "./packed-install.js";

const PROGRAM = `
import { GrpcServer } from "fastgrpc/server";
import { GrpcClient, GrpcError, Code } from "fastgrpc/client";
import { EchoService, createEchoService } from "fastgrpc/services";
import { runBench } from "fastgrpc/loadgen";
import * as root from "fastgrpc";
import { createRequire } from "node:module";

if (typeof runBench !== "function" || typeof root.GrpcServer !== "function") throw new Error("an export is missing");
const server = new GrpcServer({ log: root.createLogger("silent") });
server.addService(EchoService, createEchoService(server.log));
const listener = await server.listen("tcp://127.0.0.1:0");
const client = new GrpcClient(listener.url);
const reply = await client.unary(EchoService.method.echo, { payload: new TextEncoder().encode("packed") });
let missing = "";
try {
  await client.unary({ ...EchoService.method.echo, name: "Nope" }, { payload: new Uint8Array(0) });
} catch (error) {
  missing = error instanceof GrpcError ? root.codeName(error.code) : String(error);
}
await client.close();
await server.shutdown(1000);
// The prebuilt addon for this machine loads into this node (nothing is opened: loading only).
const addon = createRequire(import.meta.url)(\`fastgrpc-addon/linux-\${process.arch}/vsock.node\`.replace("fastgrpc-addon", new URL("node_modules/fastgrpc/native/vsock/prebuilds", import.meta.url).pathname));
console.log(JSON.stringify({ reply: new TextDecoder().decode(reply.payload), missing, addon: typeof addon.listen, node: process.versions.node.split(".")[0] }));
`;

const TYPED = `
import { GrpcServer, type CallContext } from "fastgrpc/server";
import { GrpcClient, type CallOptions } from "fastgrpc/client";
import { EchoService, createEchoService } from "fastgrpc/services";
import type { BenchOptions } from "fastgrpc/loadgen";
const server: GrpcServer = new GrpcServer();
server.addService(EchoService, createEchoService(server.log));
const options: CallOptions = { timeoutMs: 10 };
const client = new GrpcClient("tcp://127.0.0.1:1");
export const call = (ctx: CallContext): Promise<Uint8Array> => client.unary(EchoService.method.echo, { payload: new Uint8Array(1) }, options).then((r) => r.payload);
export type Duration = BenchOptions["durationMs"];
// @ts-expect-error: the declarations are real (a wrong argument type is an error)
server.addService(EchoService, { echo: 42 });
`;

function tarFiles(tarball: string, env: NodeJS.ProcessEnv): string[] {
  const listing = run("tar", ["-tzf", tarball], REPO_ROOT, { ...env, PATH: `${env.PATH}:/usr/bin:/bin` });
  assert.equal(listing.status, 0, describeRun("tar", listing));
  return listing.stdout.split("\n").filter((line) => line !== "").map((line) => line.replace(/^package\//, ""));
}

describe("the packed tarball", () => {
  let packed: PackedInstall;
  let project: string;

  before(() => {
    packed = packRepository();
    project = installInto(packed, "app", { name: "app", private: true, type: "module" });
  });
  after(() => packed?.cleanup());

  test("holds dist with declarations, the bundled command lines and both prebuilt addons, and no sources, tests or maps", () => {
    const files = tarFiles(packed.tarball, packed.env);
    for (const file of [
      "dist/src/index.js", "dist/src/index.d.ts", "dist/src/exports/server.d.ts", "dist/src/exports/client.d.ts",
      "dist/src/exports/services.d.ts", "dist/src/exports/loadgen.d.ts", "dist/src/cli/server.js", "dist/src/cli/client.js",
      "dist/src/cli/bench.js", "dist/bin/server.js", "dist/bin/client.js", "dist/bin/bench.js", "dist/bin/signing-thread.js",
      "dist/bin/worker-main.js", "native/vsock/prebuilds/linux-x64/vsock.node", "native/vsock/prebuilds/linux-arm64/vsock.node",
      "native/vsock/vsock.c", "package.json", "README.md",
    ]) assert.ok(files.includes(file), `${file} is in the tarball`);
    assert.deepEqual(files.filter((file) => file.startsWith("dist/test/") || file.startsWith("src/") || file.endsWith(".map")), []);
  });

  test("installs nothing that compiles: no install scripts in the package", () => {
    const manifest = JSON.parse(readFileSync(join(project, "node_modules", "fastgrpc", "package.json"), "utf8")) as { scripts?: Record<string, string> };
    for (const hook of ["preinstall", "install", "postinstall"]) assert.equal(manifest.scripts?.[hook], undefined, `no ${hook} script`);
    // ...and the repository builds dist/ when it is packed.
    const own = JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    assert.match(own.scripts.prepack ?? "", /tsc/);
  });

  test("the CLIs run from node_modules/.bin", () => {
    for (const cli of ["fastgrpc-server", "fastgrpc-client", "fastgrpc-bench"]) {
      const result = run(join(project, "node_modules", ".bin", cli), ["--help"], project, packed.env);
      assert.equal(result.status, 0, describeRun(cli, result));
      assert.match(result.stdout, /usage/i, `${cli} --help prints its usage`);
    }
  });

  test("a server and a client from the installed package talk (and the addon loads)", () => {
    writeFileSync(join(project, "program.mjs"), PROGRAM);
    const result = run(process.execPath, ["program.mjs"], project, packed.env);
    assert.equal(result.status, 0, describeRun("program", result));
    assert.deepEqual(JSON.parse(result.stdout), { reply: "packed", missing: "UNIMPLEMENTED", addon: "function", node: process.versions.node.split(".")[0] });
  });

  test("TypeScript finds the declarations of every subpath", () => {
    writeFileSync(join(project, "typed.ts"), TYPED);
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const args = [tsc, "--noEmit", "--strict", "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2023", "--skipLibCheck", "--types", "node", "--typeRoots", join(REPO_ROOT, "node_modules", "@types"), "typed.ts"];
    const result = run(process.execPath, args, project, packed.env);
    assert.equal(result.status, 0, describeRun("tsc", result));
  });

  test("runs on Node 22 too", (t) => {
    const node = node22();
    if (node === undefined) {
      t.skip("no Node 22 in .tools (make node22 fetches it)");
      return;
    }
    const env = { ...packed.env, PATH: `${join(node, "..")}:${packed.env.PATH}` };
    for (const cli of ["fastgrpc-server", "fastgrpc-client", "fastgrpc-bench"]) {
      const result = run(join(project, "node_modules", ".bin", cli), ["--help"], project, env);
      assert.equal(result.status, 0, describeRun(`${cli} on Node 22`, result));
    }
    writeFileSync(join(project, "program.mjs"), PROGRAM);
    const result = run(node, ["program.mjs"], project, env);
    assert.equal(result.status, 0, describeRun("program on Node 22", result));
    assert.deepEqual(JSON.parse(result.stdout), { reply: "packed", missing: "UNIMPLEMENTED", addon: "function", node: "22" });
  });
});
