#!/usr/bin/env node
// Builds native/vsock/build/Release/vsock.node with node-gyp: a local build, for working on vsock.c (`make vsock-addon`
// runs it with --strict) or for a platform the package has no prebuilt addon for. Installing fastgrpc never runs it:
// the package ships native/vsock/prebuilds/linux-{x64,arm64}/vsock.node (prebuild.sh), and the loader
// (src/transport/vsock-native.ts) prefers this local build when it exists.
// Without --strict a failed build is a warning, not an error; fastgrpc then reports vsock as unavailable with the reason.
// node-gyp is the copy bundled with npm (no download): npm passes its path in npm_config_node_gyp; outside npm we
// look for it beside the npm on PATH. Node's headers come from npm_config_nodedir, else from the running node's
// own include/node (the official tarballs ship them), so node-gyp never needs the network.
import { spawnSync } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const strict = process.argv.includes("--strict");

function fail(reason) {
  const line = `fastgrpc: the vsock addon was not built (${reason}); vsock:// addresses will report themselves unavailable`;
  if (strict) {
    console.error(line);
    process.exit(1);
  }
  console.warn(line);
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    const npm = join(dir, "npm");
    if (!dir || !existsSync(npm)) continue;
    try {
      candidates.push(join(dirname(realpathSync(npm)), "..", "node_modules", "node-gyp", "bin", "node-gyp.js"));
    } catch {
      // an unreadable npm link: try the next PATH entry
    }
  }
  candidates.push(join(dirname(process.execPath), "..", "lib", "node_modules", "npm", "node_modules", "node-gyp", "bin", "node-gyp.js"));
  return candidates.find((path) => existsSync(path));
}

function findNodeDir() {
  if (process.env.npm_config_nodedir) return process.env.npm_config_nodedir;
  const own = join(dirname(process.execPath), "..");
  return existsSync(join(own, "include", "node", "node_api.h")) ? own : undefined;
}

if (process.platform !== "linux") fail(`AF_VSOCK is Linux-only, this is ${process.platform}`);
const nodeGyp = findNodeGyp();
if (!nodeGyp) fail("node-gyp not found: it ships with npm");
const nodeDir = findNodeDir();
const args = [nodeGyp, "rebuild", `--directory=${here}`, "--loglevel=warn"];
if (nodeDir) args.push(`--nodedir=${nodeDir}`);
const result = spawnSync(process.execPath, args, { stdio: "inherit" });
if (result.error) fail(`cannot run node-gyp: ${result.error.message}`);
if (result.status !== 0) fail(`node-gyp exited with status ${result.status ?? result.signal}`);
if (!existsSync(join(here, "build", "Release", "vsock.node"))) fail("node-gyp produced no vsock.node");
