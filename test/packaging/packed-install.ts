/**
 * Packs this repository with `npm pack` and installs the tarball into a fresh project in a temp directory, the way a
 * user would, with nothing on PATH but node and npm (no C compiler, no make, no python): an install that needed to
 * compile would fail here. Installs from npm's cache (--offline) when it holds the dependencies (it does after
 * `npm ci`), else from the registry.
 */
import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root, from dist/test/packaging/. */
export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** npm's own entry script (npm-cli.js), found through the npm on PATH. */
export function npmCli(): string {
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const candidate = join(dir, "npm");
    if (dir !== "" && existsSync(candidate)) return realpathSync(candidate);
  }
  throw new Error("npm is not on PATH");
}

export function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs = 120_000): SpawnSyncReturns<string> {
  return spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: timeoutMs });
}

export function describeRun(what: string, result: SpawnSyncReturns<string>): string {
  return `${what}: status ${result.status ?? result.signal}${result.error ? ` (${result.error.message})` : ""}\n${result.stdout}\n${result.stderr}`;
}

export interface PackedInstall {
  /** The temp directory holding everything (removed by cleanup()). */
  readonly dir: string;
  readonly tarball: string;
  /** A bin folder with only `node` (this test's node) and `npm`: the PATH for everything run in the project. */
  readonly binDir: string;
  /** Environment for commands in the project: PATH = binDir only, HOME kept (npm's cache). */
  readonly env: NodeJS.ProcessEnv;
  cleanup(): void;
}

/** Packs the repository (dist/ must be built: the test runs from it, so it is) into a temp directory. */
export function packRepository(): PackedInstall {
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-pack-"));
  const binDir = join(dir, "bin");
  mkdirSync(binDir);
  symlinkSync(process.execPath, join(binDir, "node"));
  const npm = npmCli();
  writeFileSync(join(binDir, "npm"), `#!/bin/sh\nexec "${process.execPath}" "${npm}" "$@"\n`, { mode: 0o755 });
  // Proxy, registry and CA settings pass through (CI behind a TLS-inspecting proxy); nothing else does.
  const passed = Object.entries(process.env).filter(([key]) =>
    /proxy$|^npm_config_(registry|cache|cafile|.*proxy)$|^NODE_EXTRA_CA_CERTS$|^SSL_CERT_(FILE|DIR)$/i.test(key));
  const env: NodeJS.ProcessEnv = {
    ...Object.fromEntries(passed),
    PATH: binDir,
    HOME: process.env.HOME ?? dir,
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
  };
  // prepack (tsc) is skipped here: dist/ is what this test runs from, rebuilding it under our feet would be wrong.
  const pack = run(process.execPath, [npm, "pack", "--ignore-scripts", "--json", "--pack-destination", dir], REPO_ROOT, env);
  if (pack.status !== 0) throw new Error(describeRun("npm pack", pack));
  const [info] = JSON.parse(pack.stdout) as Array<{ filename: string }>;
  if (info === undefined) throw new Error(`npm pack printed no file: ${pack.stdout}`);
  return { dir, tarball: join(dir, info.filename), binDir, env, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Creates `name` in the temp directory with `packageJson`, installs the tarball (and `extra` packages) into it. */
export function installInto(packed: PackedInstall, name: string, packageJson: object, extra: readonly string[] = []): string {
  const project = join(packed.dir, name);
  mkdirSync(project, { recursive: true });
  writeFileSync(join(project, "package.json"), JSON.stringify(packageJson, null, 2));
  const args = ["install", "--no-package-lock", packed.tarball, ...extra];
  let result = run(join(packed.binDir, "npm"), [...args, "--offline"], project, packed.env);
  // npm ci caches tarballs but not the registry's package documents: the first install may need the registry once.
  if (result.status !== 0 && /ENOTCACHED/.test(result.stderr)) result = run(join(packed.binDir, "npm"), [...args, "--prefer-offline", "--fetch-timeout=60000"], project, packed.env, 300_000);
  if (result.status !== 0) throw new Error(describeRun("npm install", result));
  return project;
}

/** A Node 22 fetched by `make node22` (.tools/node-22.*), if any. */
export function node22(): string | undefined {
  const tools = join(REPO_ROOT, ".tools");
  let entries: string[];
  try {
    entries = readdirSync(tools).filter((entry) => entry.startsWith("node-22."));
  } catch {
    return undefined;
  }
  const dir = entries.sort().pop();
  const node = dir === undefined ? undefined : join(tools, dir, "node_modules", `node-linux-${process.arch}`, "bin", "node");
  return node !== undefined && existsSync(node) ? node : undefined;
}
