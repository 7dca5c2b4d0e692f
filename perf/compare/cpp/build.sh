#!/usr/bin/env bash
# Builds perf/compare/cpp/build/echo-server (Google's C++ gRPC Echo server for bench-compare) from
# proto/fastgrpc/echo/v1/echo.proto with Debian's protoc + grpc_cpp_plugin and g++ -O2 via pkg-config.
# Idempotent: does nothing when the inputs (proto, source, this script, toolchain versions) are unchanged.
# Exit codes: 0 built or up to date; 3 a tool or library is missing (Debian: libgrpc++-dev protobuf-compiler-grpc
# protobuf-compiler g++ pkg-config); 1 the build itself failed.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../../.." && pwd)"
PROTO_DIR="$ROOT/proto"
PROTO="fastgrpc/echo/v1/echo.proto"
BUILD="$HERE/build"
BINARY="$BUILD/echo-server"
CXX="${CXX:-g++}"

missing=()
for tool in protoc grpc_cpp_plugin pkg-config "$CXX"; do command -v "$tool" >/dev/null || missing+=("$tool"); done
# --maximum-traverse-depth=1: resolving grpc++'s abseil dependencies takes pkg-config about a second.
PKG_VERSIONS=""
if command -v pkg-config >/dev/null; then
  for lib in grpc++ protobuf; do
    version=$(pkg-config --maximum-traverse-depth=1 --modversion "$lib" 2>/dev/null) || { missing+=("$lib.pc"); continue; }
    PKG_VERSIONS+="$lib $version "
  done
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "cpp echo: missing ${missing[*]} (Debian: apt-get install libgrpc++-dev protobuf-compiler-grpc protobuf-compiler g++ pkg-config)" >&2
  exit 3
fi

# Everything that decides the binary's contents; the binary is rebuilt when this changes.
fingerprint=$(
  {
    cat "$PROTO_DIR/$PROTO" "$HERE/echo-server.cc" "$0"
    "$CXX" --version | head -1
    protoc --version
    echo "$PKG_VERSIONS"
  } | sha256sum | cut -d' ' -f1
)
if [ -x "$BINARY" ] && [ "$(cat "$BUILD/fingerprint" 2>/dev/null)" = "$fingerprint" ]; then
  exit 0
fi

echo "cpp echo: building $BINARY (${PKG_VERSIONS% }; 20-60 s)" >&2
# Build in a fresh folder and move the binary in last, so an interrupted build never looks finished.
rm -rf "$BUILD/tmp"
mkdir -p "$BUILD/tmp/gen"
protoc -I "$PROTO_DIR" --cpp_out="$BUILD/tmp/gen" --grpc_out="$BUILD/tmp/gen" \
  --plugin=protoc-gen-grpc="$(command -v grpc_cpp_plugin)" "$PROTO_DIR/$PROTO"

GEN="$BUILD/tmp/gen/${PROTO%.proto}"
DEFINES=()
# The proto declares the bidi EchoStream too; the server then serves it (the streaming comparison).
grep -q 'RequestEchoStream' "$GEN.grpc.pb.h" && DEFINES+=(-DFASTGRPC_ECHO_HAS_ECHO_STREAM)
# And the server-streaming Download (perf/download-compare.sh).
grep -q 'RequestDownload' "$GEN.grpc.pb.h" && DEFINES+=(-DFASTGRPC_ECHO_HAS_DOWNLOAD)

read -r -a CFLAGS <<<"$(pkg-config --cflags grpc++ protobuf)"
read -r -a LIBS <<<"$(pkg-config --libs grpc++ protobuf)"
COMPILE=("$CXX" -std=c++17 -O2 -DNDEBUG -I "$BUILD/tmp/gen" "${CFLAGS[@]}" "${DEFINES[@]}")

# Two compilers at a time at most: the machine is shared.
"${COMPILE[@]}" -c "$GEN.pb.cc" -o "$BUILD/tmp/echo.pb.o" &
pb=$!
"${COMPILE[@]}" -c "$GEN.grpc.pb.cc" -o "$BUILD/tmp/echo.grpc.pb.o"
wait "$pb"
"${COMPILE[@]}" -c "$HERE/echo-server.cc" -o "$BUILD/tmp/echo-server.o"
"$CXX" -o "$BUILD/tmp/echo-server" "$BUILD/tmp/echo-server.o" "$BUILD/tmp/echo.pb.o" "$BUILD/tmp/echo.grpc.pb.o" \
  "${LIBS[@]}" -lpthread

mv "$BUILD/tmp/echo-server" "$BINARY"
echo "$fingerprint" >"$BUILD/fingerprint"
rm -rf "$BUILD/gen" && mv "$BUILD/tmp/gen" "$BUILD/gen"
rm -rf "$BUILD/tmp"
echo "cpp echo: built $BINARY" >&2
