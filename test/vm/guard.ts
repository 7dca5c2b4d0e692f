/**
 * Every vsock test runs only inside the qemu test guest (test/vm/run-in-vm.sh). On the development and CI machines
 * an AF_VSOCK connect() would reach the hypervisor host, which is not ours: outside the guest the tests skip.
 *
 * Usage: describe("...", { skip: vsockVmSkip() }, () => { before(requireVsockVm); ... })
 */
import { readFileSync } from "node:fs";

function readCmdline(): string {
  try {
    return readFileSync("/proc/cmdline", "utf8");
  } catch {
    return "";
  }
}

/** Why vsock tests must not run here, or undefined inside the test guest. */
export function vsockVmSkipReason(): string | undefined {
  if (process.env.IN_VSOCK_VM !== "1") {
    return "vsock tests run only inside the qemu test VM (IN_VSOCK_VM is not 1): use `make test-vsock`";
  }
  // the guest's kernel command line, set by run-in-vm.sh: a stray IN_VSOCK_VM=1 on a real machine is not enough
  if (!readCmdline().includes("rdinit=/init vs.job=")) {
    return "IN_VSOCK_VM=1 but this is not the run-in-vm.sh guest kernel: refusing to touch AF_VSOCK";
  }
  return undefined;
}

/** For node:test's `skip` option: false inside the guest, else the reason (printed by the test runner). */
export function vsockVmSkip(): string | false {
  return vsockVmSkipReason() ?? false;
}

/** Throws unless inside the guest: a second lock for hooks and helpers that open sockets. */
export function requireVsockVm(): void {
  const reason = vsockVmSkipReason();
  if (reason !== undefined) throw new Error(`refusing to run a vsock test: ${reason}`);
}
