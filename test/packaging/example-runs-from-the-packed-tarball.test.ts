/**
 * examples/inventory (a user's own proto with all four kinds of call) works against the packed fastgrpc: its
 * committed gen/ is what buf + protoc-gen-es generate from its proto, it installs from the tarball in a temporary
 * directory, type-checks, and its server and client (TypeScript run by node as is) talk, on Node 24 and on Node 22
 * when `make node22` fetched it.
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { cpSync, readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { after, before, describe, test } from "node:test";
import { REPO_ROOT, describeRun, installInto, node22, packRepository, run, type PackedInstall } from "./packed-install.js";

const EXAMPLE = join(REPO_ROOT, "examples", "inventory");
const EXPECTED = [
  "addStock: 3 items, 20 units",
  "getItem: Apple x10",
  "getItem kiwi: NOT_FOUND",
  "listItems (>= 5): apple, plum",
  "reserve apple: granted, 6 left",
  "reserve pear: refused, 3 left",
  "reserve plum: granted, 0 left",
];

function filesUnder(dir: string, root = dir): Map<string, string> {
  const out = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) for (const [name, text] of filesUnder(path, root)) out.set(name, text);
    else out.set(relative(root, path), readFileSync(path, "utf8"));
  }
  return out;
}

/** Starts the example server on a free port; resolves its URL and a stop() that resolves its exit code. */
function startServer(node: string, project: string, env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => Promise<number | null> }> {
  const child = spawn(node, ["server.ts", "tcp://127.0.0.1:0"], { cwd: project, env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill("SIGKILL"); reject(new Error(`the example server did not start:\n${output}`)); }, 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (tcp:\/\/\S+)/.exec(output);
      if (match?.[1] === undefined) return;
      clearTimeout(timer);
      resolve({ url: match[1], stop: () => { child.kill("SIGTERM"); return exited; } });
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    exited.then((code) => { clearTimeout(timer); reject(new Error(`the example server exited (${code}):\n${output}`)); }, reject);
  });
}

async function runExample(node: string, project: string, env: NodeJS.ProcessEnv): Promise<void> {
  const server = await startServer(node, project, env);
  try {
    const client = run(node, ["client.ts", server.url], project, env, 60_000);
    assert.equal(client.status, 0, describeRun("client.ts", client));
    assert.deepEqual(client.stdout.trim().split("\n"), EXPECTED);
  } finally {
    assert.equal(await server.stop(), 0, "the server stops cleanly on SIGTERM");
  }
}

describe("examples/inventory against the packed tarball", () => {
  let packed: PackedInstall;
  let project: string;

  before(() => {
    packed = packRepository();
    const copy = join(packed.dir, "inventory");
    cpSync(EXAMPLE, copy, { recursive: true, filter: (source) => !source.includes("node_modules") });
    // Runtime dependencies only (buf, protoc-gen-es and tsc come from this repository below), fastgrpc from the
    // tarball: everything else is in npm's cache after this repository's `npm ci`.
    const { devDependencies: _tools, ...manifest } = JSON.parse(readFileSync(join(copy, "package.json"), "utf8")) as { devDependencies?: unknown };
    project = installInto(packed, "inventory", manifest);
  });
  after(() => packed?.cleanup());

  test("the committed gen/ is what buf generate makes of the proto", () => {
    const env = { ...packed.env, PATH: `${packed.env.PATH}:${join(REPO_ROOT, "node_modules", ".bin")}` };
    const generated = run(join(REPO_ROOT, "node_modules", ".bin", "buf"), ["generate"], project, env);
    assert.equal(generated.status, 0, describeRun("buf generate", generated));
    assert.deepEqual(filesUnder(join(project, "gen")), filesUnder(join(EXAMPLE, "gen")));
  });

  test("type-checks against fastgrpc's declarations", () => {
    const tsc = join(REPO_ROOT, "node_modules", "typescript", "bin", "tsc");
    const result = run(process.execPath, [tsc, "-p", "tsconfig.json", "--typeRoots", join(REPO_ROOT, "node_modules", "@types")], project, packed.env);
    assert.equal(result.status, 0, describeRun("tsc", result));
  });

  test("its server and client make all four kinds of call", async () => {
    await runExample(process.execPath, project, packed.env);
  });

  test("on Node 22 too", async (t) => {
    const node = node22();
    if (node === undefined) return t.skip("no Node 22 in .tools (make node22 fetches it)");
    await runExample(node, project, packed.env);
  });
});
