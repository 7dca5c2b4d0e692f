#!/usr/bin/env bash
# Builds the prebuilt vsock addons that the npm package ships, so that installing fastgrpc compiles nothing:
#   native/vsock/prebuilds/linux-x64/vsock.node     gcc
#   native/vsock/prebuilds/linux-arm64/vsock.node   aarch64-linux-gnu-gcc (Debian: apt-get install gcc-aarch64-linux-gnu)
# The addon is N-API (NAPI_VERSION 8): one binary per CPU runs on every Node version from 16 on, so Node's headers
# (node_api.h, uv.h) come from the running node's own include/node. Symbols from node itself (napi_*, uv_*) stay
# undefined in the .so and are resolved by the node binary that loads it, as node-gyp's builds do.
# The binaries are committed: run this after changing vsock.c (`make vsock-prebuilds`), then commit them.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
node_include="$(cd "$(dirname "$(node -p process.execPath)")/../include/node" && pwd)"
[ -f "$node_include/node_api.h" ] || { echo "prebuild: no node_api.h in $node_include" >&2; exit 1; }

# -D_FORTIFY_SOURCE off and no stack protector: a glibc-version-neutral binary (only symbols every glibc >= 2.17 has).
flags=(-std=gnu11 -O2 -fPIC -shared -Wall -Wextra -Wno-unused-parameter -Werror
       -DNODE_GYP_MODULE_NAME=vsock -DBUILDING_NODE_EXTENSION -U_FORTIFY_SOURCE -fno-stack-protector
       -I"$node_include" -Wl,-s -Wl,--build-id=none)

build() { # build ARCH COMPILER
  local arch="$1" cc="$2" out="$here/prebuilds/linux-$1/vsock.node"
  command -v "$cc" >/dev/null || { echo "prebuild: $cc not found (linux-$arch); Debian: apt-get install ${3:-gcc}" >&2; exit 1; }
  mkdir -p "$(dirname "$out")"
  "$cc" "${flags[@]}" -o "$out" "$here/vsock.c"
  echo "$out: $(file -b "$out")"
}

build x64 "${CC_X64:-x86_64-linux-gnu-gcc}" gcc
build arm64 "${CC_ARM64:-aarch64-linux-gnu-gcc}" gcc-aarch64-linux-gnu
