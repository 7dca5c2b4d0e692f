/**
 * The default --workers (and the pool sizes derived from the cores) follow the cgroup v2 CPU quota: a container
 * limited to 1 CPU on a 64-core node gets 1, not 64. Files are injected, real directories under a temp root too.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { cgroupCpuLimit, parseCpuMax, usableCores } from "../../src/cli/cpu-quota.js";

/** A fake filesystem: path → content; anything else is unreadable. */
function files(entries: Record<string, string>): (path: string) => string | undefined {
  return (path) => entries[path];
}

describe("cgroup v2 cpu.max", () => {
  test("parses quota and period, rounding a fraction of a CPU up", () => {
    assert.equal(parseCpuMax("100000 100000\n"), 1);
    assert.equal(parseCpuMax("200000 100000"), 2);
    assert.equal(parseCpuMax("150000 100000"), 2);
    assert.equal(parseCpuMax("50000 100000"), 1);
    assert.equal(parseCpuMax("400000"), 4);
  });

  test("no limit or a malformed file means no quota", () => {
    assert.equal(parseCpuMax("max 100000"), undefined);
    assert.equal(parseCpuMax(""), undefined);
    assert.equal(parseCpuMax("lots 100000"), undefined);
    assert.equal(parseCpuMax("-1 100000"), undefined);
    assert.equal(parseCpuMax("100000 0"), undefined);
  });

  test("a pod limited to 1 CPU on a 64-core node gets 1 core", () => {
    const read = files({ "/proc/self/cgroup": "0::/\n", "/sys/fs/cgroup/cpu.max": "100000 100000\n" });
    assert.equal(usableCores({ parallelism: 64, readText: read }), 1);
  });

  test("without a quota (or without cgroup v2) the cores are availableParallelism", () => {
    assert.equal(usableCores({ parallelism: 64, readText: files({ "/sys/fs/cgroup/cpu.max": "max 100000\n" }) }), 64);
    assert.equal(usableCores({ parallelism: 8, readText: files({}) }), 8);
  });

  test("a quota above the affinity does not raise the cores", () => {
    assert.equal(usableCores({ parallelism: 2, readText: files({ "/sys/fs/cgroup/cpu.max": "800000 100000" }) }), 2);
  });

  test("the smallest quota from the process's own cgroup up to the root applies", () => {
    const read = files({
      "/proc/self/cgroup": "0::/kubepods/pod1/app\n",
      "/sys/fs/cgroup/cpu.max": "max 100000",
      "/sys/fs/cgroup/kubepods/cpu.max": "1600000 100000",
      "/sys/fs/cgroup/kubepods/pod1/cpu.max": "300000 100000",
      "/sys/fs/cgroup/kubepods/pod1/app/cpu.max": "max 100000",
    });
    assert.equal(cgroupCpuLimit({ readText: read }), 3);
    assert.equal(usableCores({ parallelism: 64, readText: read }), 3);
  });

  test("reads real files under an injected root", (t) => {
    const root = mkdtempSync(join(tmpdir(), "fastgrpc-cgroup-"));
    t.after(() => rmSync(root, { recursive: true, force: true }));
    mkdirSync(join(root, "sys", "app"), { recursive: true });
    writeFileSync(join(root, "self-cgroup"), "0::/app\n");
    writeFileSync(join(root, "sys", "app", "cpu.max"), "200000 100000\n");
    assert.equal(usableCores({ cgroupRoot: join(root, "sys"), selfCgroupFile: join(root, "self-cgroup"), parallelism: 64 }), 2);
  });
});

describe("fastgrpc-server --help", () => {
  const cli = fileURLToPath(new URL("../../bin/server.js", import.meta.url));

  test("states the default --workers of this machine", () => {
    const run = spawnSync(process.execPath, [cli, "--help"], { encoding: "utf8" });
    assert.equal(run.status, 0);
    assert.match(run.stdout, new RegExp(`cgroup CPU quota: ${usableCores()} here`));
  });
});
