/**
 * The vsock addon ships prebuilt (native/vsock/prebuilds), so installing fastgrpc compiles nothing: one ELF shared
 * object per CPU (N-API: any Node version), found by the loader for linux-x64 and linux-arm64. Only loads the
 * binary; no AF_VSOCK socket is created.
 */
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { test } from "node:test";
import { addonCandidates } from "../../src/transport/vsock-native.js";

/** ELF e_machine values. */
const MACHINE = { x64: 0x3e, arm64: 0xb7 } as const;

function prebuilt(arch: "x64" | "arm64"): string {
  const found = addonCandidates("linux", arch).find((path) => path.includes(`prebuilds/linux-${arch}/`) && existsSync(path));
  assert.ok(found, `a prebuilt addon for linux-${arch}`);
  return found;
}

for (const arch of ["x64", "arm64"] as const) {
  test(`linux-${arch}: a 64-bit little-endian ELF shared object for that CPU`, () => {
    const elf = readFileSync(prebuilt(arch));
    assert.deepEqual([...elf.subarray(0, 4)], [0x7f, 0x45, 0x4c, 0x46], "ELF magic");
    assert.equal(elf[4], 2, "64-bit");
    assert.equal(elf[5], 1, "little-endian");
    assert.equal(elf.readUInt16LE(16), 3, "ET_DYN (shared object)");
    assert.equal(elf.readUInt16LE(18), MACHINE[arch]);
  });
}

test("a local build comes before the prebuilt binary, so a changed vsock.c is what runs", () => {
  const candidates = addonCandidates("linux", "x64");
  const local = candidates.findIndex((path) => path.endsWith("build/Release/vsock.node"));
  const shipped = candidates.findIndex((path) => path.endsWith("prebuilds/linux-x64/vsock.node"));
  assert.ok(local >= 0 && shipped > local);
});

test("the prebuilt addon for this machine loads into this node", { skip: process.platform !== "linux" || !(process.arch === "x64" || process.arch === "arm64") }, () => {
  const addon = createRequire(import.meta.url)(prebuilt(process.arch === "x64" ? "x64" : "arm64")) as Record<string, unknown>;
  for (const name of ["listen", "connect", "cancelConnect", "sockName", "peerName", "localCid", "probe", "close"]) {
    assert.equal(typeof addon[name], "function", name);
  }
});
