#!/bin/bash
# test/vm/run-in-vm.sh [options] -- CMD...   (or: run-in-vm.sh 'shell command string')
# Boots a throwaway qemu guest (Debian kernel as PVH vmlinux + tiny initramfs from test/vm/setup.sh) whose root is
# this machine's / (9p, read-only, under a tmpfs overlay: writes are discarded), with vsock_loopback loaded
# (AF_VSOCK to CID 1 = VMADDR_CID_LOCAL stays inside the guest), runs CMD in the current directory with
# IN_VSOCK_VM=1, streams its output and exits with its exit status (125: the guest crashed or timed out).
# No network device and no host vsock device: AF_VSOCK never leaves the guest.
# Options: --rw DIR (repeatable; DIR writable in the guest at the same path)
#          --env NAME (repeatable; pass this environment variable; CI and PATH are always passed)
#          --mem MB (2048) --smp N (2) --timeout S (600) --tcg (no KVM) --verbose
# Acceleration: KVM when /dev/kvm is a hardware-virt KVM, else TCG (software, code runs 10-15x slower). A PVM host
# (kvm_pvm module) cannot run a stock kernel well, so it gets TCG too.
# Adapted from the measured recipe in ../shared/vsock-vm/run-in-vm.sh of this workspace.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGES=$HERE/images
KERNEL=${VM_KERNEL:-$(ls "$IMAGES"/vmlinux-* 2>/dev/null | sort -V | tail -1 || true)}
INITRD=${VM_INITRD:-$IMAGES/initramfs.cpio.gz}
MEM=2048 SMP=2 TMO=600 ACCEL=${VM_ACCEL:-auto} VERB=0 RW=() ENVS=(CI PATH)
while [[ $# -gt 0 ]]; do case "$1" in
  --rw) RW+=("$(realpath "$2")"); shift 2;; --env) ENVS+=("$2"); shift 2;; --mem) MEM=$2; shift 2;; --smp) SMP=$2; shift 2;;
  --timeout) TMO=$2; shift 2;; --tcg) ACCEL=tcg; shift;; --kvm) ACCEL=kvm; shift;; --verbose) VERB=1; shift;;
  --) shift; break;; *) break;; esac; done
[[ $# -gt 0 ]] || { echo "usage: $0 [--rw DIR]... [--env NAME]... [--tcg] -- CMD..." >&2; exit 2; }
command -v qemu-system-x86_64 >/dev/null || { echo "run-in-vm: qemu-system-x86_64 is not installed (make vm-setup)" >&2; exit 125; }
[[ -n "$KERNEL" && -f "$KERNEL" && -f "$INITRD" ]] || { echo "run-in-vm: no guest images in $IMAGES (make vm-setup)" >&2; exit 125; }
if [[ $ACCEL = auto ]]; then
  if [[ -w /dev/kvm && ! -d /sys/module/kvm_pvm ]]; then ACCEL=kvm; else ACCEL=tcg; fi
fi
JOB=$(mktemp -d "${TMPDIR:-/tmp}/vmjob.XXXXXX"); trap 'rm -rf "$JOB"' EXIT
pwd > "$JOB/cwd"
for v in "${ENVS[@]}"; do [[ -n "${!v+x}" ]] && printf 'export %s=%q\n' "$v" "${!v}" >> "$JOB/env"; done
if [[ $# -eq 1 ]]; then printf '%s\n' "$1" > "$JOB/cmd.sh"; else printf '%q ' "$@" > "$JOB/cmd.sh"; echo >> "$JOB/cmd.sh"; fi
ARGS=(-nodefaults -no-user-config -nographic -no-reboot -m "$MEM" -smp "$SMP" -nic none
  -serial file:"$JOB/console.log" -chardev stdio,id=out,signal=off -serial chardev:out -kernel "$KERNEL" -initrd "$INITRD"
  -virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap
  -virtfs local,path="$JOB",mount_tag=job,security_model=none,multidevs=remap)
if [[ $ACCEL = kvm ]]; then ARGS+=(-accel kvm -cpu host); else ARGS+=(-accel tcg,thread=multi -cpu max); fi
RWLIST=; i=0
for d in "${RW[@]}"; do ARGS+=(-virtfs "local,path=$d,mount_tag=rw$i,security_model=none,multidevs=remap"); RWLIST+="${RWLIST:+,}$d"; i=$((i+1)); done
APPEND="console=ttyS0 quiet loglevel=1 panic=-1 rdinit=/init vs.job=$JOB vs.verbose=$VERB${RWLIST:+ vs.rw=$RWLIST}"
T0=$(date +%s.%N)
# ttyS0 (kernel console) -> $JOB/console.log; ttyS1 (raw) = the command's stdout+stderr -> our stdout
timeout -k 5 "$TMO" qemu-system-x86_64 "${ARGS[@]}" -append "$APPEND" </dev/null 2>"$JOB/qemu.err" || true
T1=$(date +%s.%N)
if [[ $VERB = 1 && -f "$JOB/times" ]]; then read -r a b c < "$JOB/times"
  echo "run-in-vm: wall $(awk "BEGIN{printf \"%.2f\", $T1-$T0}") s; guest uptime: init $a s, ready $b s, cmd done $c s ($ACCEL)" >&2; fi
[[ $VERB = 1 ]] && { grep -v '^$' "$JOB/console.log" | sed 's/^/[console] /' >&2 || true; }
if [[ ! -f "$JOB/rc" ]]; then echo "run-in-vm: guest did not report an exit status (timeout/crash); console:" >&2
  tail -n 40 "$JOB/console.log" "$JOB/qemu.err" >&2 || true; exit 125; fi
exit "$(cat "$JOB/rc")"
