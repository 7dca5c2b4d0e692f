#!/bin/bash
# test/vm/setup.sh: prepares the throwaway qemu guest that runs the vsock tests (make vm-setup; .ci/run calls it).
# Idempotent: when everything is in place it only checks and returns (< 1 s).
#  1. apt packages qemu-system-x86, busybox-static, socat (apt-get update once, only when something is missing)
#  2. the Debian kernel package (linux-image-amd64's current version) is only DOWNLOADED and unpacked in a temp dir
#     (not installed): images/vmlinux-KVER (uncompressed, boots faster under TCG) + the modules the guest needs
#     (images/modules/, see WANT_MODULES)
#  3. images/initramfs.cpio.gz = static busybox + those modules + ./init (rebuilt whenever init or this script change)
# images/ is git-ignored (~70 MB).
# Adapted from the measured recipe in ../shared/vsock-vm (setup-vm.sh, build-initramfs.sh) of this workspace.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
IMAGES=$HERE/images
BUSYBOX=${BUSYBOX:-/bin/busybox}
# AF_VSOCK to CID 1 (VMADDR_CID_LOCAL) stays inside the guest with vsock_loopback; 9p shares the host filesystem
WANT_MODULES="virtio_pci 9p 9pnet_virtio vsock_loopback overlay"
export DEBIAN_FRONTEND=noninteractive
TMPS=(); trap 'rm -rf "${TMPS[@]}"' EXIT

as_root() { if [[ $(id -u) = 0 ]]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else echo "vm-setup: need root for: $*" >&2; exit 1; fi; }
apt_updated=0
apt_update_once() { [[ $apt_updated = 1 ]] || { as_root apt-get update -qq; apt_updated=1; }; }

# --- 1. packages
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
{ [[ -x $BUSYBOX ]] && ! ldd "$BUSYBOX" >/dev/null 2>&1; } || missing+=(busybox-static)
command -v socat >/dev/null || missing+=(socat)
if [[ ${#missing[@]} -gt 0 ]]; then
  echo "vm-setup: installing ${missing[*]}"
  apt_update_once
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# --- 2. kernel + modules
mkdir -p "$IMAGES"
if ! ls "$IMAGES"/vmlinux-* >/dev/null 2>&1 || [[ ! -s $IMAGES/modules/order ]]; then
  KPKG=$(apt-cache depends linux-image-amd64 2>/dev/null | awk '/Depends: linux-image-[0-9]/{print $2; exit}' || true)
  if [[ -z $KPKG ]]; then apt_update_once; KPKG=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/{print $2; exit}'); fi
  [[ -n $KPKG ]] || { echo "vm-setup: cannot find the Debian kernel package (linux-image-amd64)" >&2; exit 1; }
  echo "vm-setup: downloading $KPKG (not installed, only unpacked)"
  WORK=$(mktemp -d); TMPS+=("$WORK")
  (cd "$WORK" && { apt-get download -qq "$KPKG" 2>/dev/null || { apt_update_once; apt-get download -qq "$KPKG"; }; } \
    && dpkg-deb -x ./*.deb root)
  KVER=$(ls "$WORK/root/lib/modules" | sort -V | tail -1)
  MODDIR=$WORK/root/lib/modules/$KVER
  rm -rf "$IMAGES"/vmlinux-* "$IMAGES/modules"; mkdir -p "$IMAGES/modules"
  # resolve dependencies depth-first from each module's own modinfo "depends=" (the package was not depmod'ed)
  declare -A SEEN KO; ORDER=()
  while IFS= read -r f; do b=$(basename "$f"); b=${b%%.ko*}; KO[${b//-/_}]=$f; done < <(find "$MODDIR/kernel" -name '*.ko*')
  ko_cat() { case "$1" in *.ko) cat "$1";; *.ko.xz) xz -dc "$1";; *.ko.zst) zstd -qdc "$1";; *.ko.gz) gzip -dc "$1";; esac; }
  visit() {
    local name=${1//-/_} path deps d
    [[ -n "${SEEN[$name]:-}" ]] && return; SEEN[$name]=1
    path=${KO[$name]:-}
    if [[ -z "$path" ]]; then grep -qE "/$name\.ko" "$MODDIR/modules.builtin" 2>/dev/null && return; echo "vm-setup: module $name not found" >&2; exit 1; fi
    ko_cat "$path" > "$IMAGES/modules/$name.ko"
    deps=$(grep -a -o 'depends=[A-Za-z0-9_,-]*' "$IMAGES/modules/$name.ko" | head -1 | cut -d= -f2 | tr ',' ' ')
    for d in $deps; do visit "$d"; done
    ORDER+=("$name")
  }
  for m in $WANT_MODULES; do visit "$m"; done
  printf '%s\n' "${ORDER[@]}" > "$IMAGES/modules/order"
  # an uncompressed vmlinux (ELF with a PVH entry note) boots ~4 s faster under TCG than the bzImage
  python3 - "$WORK/root/boot/vmlinuz-$KVER" "$IMAGES/vmlinux-$KVER" <<'PY'
import lzma, sys, zlib
data = open(sys.argv[1], 'rb').read()
for magic, fmt in ((b'\xfd7zXZ\x00', 'xz'), (b'\x1f\x8b\x08', 'gz')):
    at = data.find(magic)
    if at < 0: continue
    out = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(data[at:]) if fmt == 'xz' else zlib.decompressobj(31).decompress(data[at:])
    if out[:4] == b'\x7fELF':
        open(sys.argv[2], 'wb').write(out); break
else: sys.exit('could not extract vmlinux from ' + sys.argv[1])
PY
  rm -f "$IMAGES/initramfs.cpio.gz"
  echo "vm-setup: kernel $KVER; modules: ${ORDER[*]}"
fi

# --- 3. initramfs
INITRD=$IMAGES/initramfs.cpio.gz
if [[ ! -s $INITRD || $HERE/init -nt $INITRD || $HERE/setup.sh -nt $INITRD ]]; then
  ST=$(mktemp -d); TMPS+=("$ST")
  mkdir -p "$ST"/{bin,proc,sys,dev,newroot,modules}
  cp "$BUSYBOX" "$ST/bin/busybox"
  cp "$IMAGES"/modules/* "$ST/modules/"
  cp "$HERE/init" "$ST/init"; chmod 755 "$ST/init"
  (cd "$ST" && find . | "$BUSYBOX" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -1 > "$INITRD.tmp"
  mv "$INITRD.tmp" "$INITRD"
  echo "vm-setup: built $INITRD ($(du -h "$INITRD" | cut -f1))"
fi
echo "vm-setup: ready ($(basename "$(ls "$IMAGES"/vmlinux-* | sort -V | tail -1)"), images in $IMAGES)"
