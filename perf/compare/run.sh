#!/usr/bin/env bash
# Side-by-side h2load comparison of Echo servers, each pinned to core 0 with h2load on core 1 (one run, same
# machine). Prints requests/s per server and scenario, the server's CPU per call, the grpc-status of a sample call,
# and fastgrpc's ratio to the others.
# Usage: perf/compare/run.sh [--duration SECONDS] [--scenarios "1x1 1x100 8x32"] [--servers "fastgrpc raw grpc-js cpp"]
#                            [--sizes "64 1024 16384 65536 262144 1048576 4194304"] [--warm-up SECONDS] [--p99]
# --sizes: EchoRequest payload sizes in bytes (default 64), each measured in every scenario.
# --warm-up: seconds of load before each measurement, not counted (default 5, gRPC's own benchmarks' WARMUP_SECONDS):
# the node servers' JIT is still compiling for a size's first few seconds (docs/benchmarks.md §17).
# --p99: also the 99th percentile, from h2load's per-request log. Off by default: writing that log costs h2load so much
# that it caps what it can drive (64 B 1x100 against fastgrpc: ~161K calls/s with it, ~268K without, §17), so the
# rates of a --p99 run are h2load's limit, not the servers', wherever a server is faster than that.
# Run from the repository root after `make build` (the `bench-compare` make target does both). "cpp" is Google's C++
# gRPC async server (perf/compare/cpp), built here on first use; when Debian's libgrpc++-dev or
# protobuf-compiler-grpc are missing they are installed with apt-get, and if that fails cpp is skipped, not fatal.
set -euo pipefail
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh

DURATION=10
WARM_UP=5
P99=0
SCENARIOS="1x1 1x100 8x32"
SIZES="64"
# fastgrpc = fastgrpc-server on its own HTTP/2 engine; fastgrpc-node = the same server on node:http2.
SERVERS="${BENCH_SERVERS:-fastgrpc fastgrpc-node raw grpc-js cpp}"
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION="$2"; shift 2 ;;
    --scenarios) SCENARIOS="$2"; shift 2 ;;
    --servers) SERVERS="$2"; shift 2 ;;
    --sizes) SIZES="$2"; shift 2 ;;
    --warm-up) WARM_UP="$2"; shift 2 ;;
    --p99) P99=1; shift ;;
    *) echo "bench-compare: unknown option $1" >&2; exit 2 ;;
  esac
done

APT_UPDATED=0
apt_install() { # packages...: Debian packages, with one apt-get update per run
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq || return 1; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if ! command -v h2load >/dev/null || ! command -v nghttp >/dev/null; then
  echo "h2load/nghttp missing: installing Debian's nghttp2-client" >&2
  apt_install nghttp2-client
fi
CORES=$(nproc)
PIN_SERVER="taskset -c 0"
PIN_LOAD="taskset -c $((CORES > 1 ? 1 : 0))"

WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

# Builds the C++ server (fast when already built). build.sh exits 3 when a tool or library is missing: install
# Debian's packages once and retry. Any failure is explained on stderr and returns 1 so that cpp is skipped.
CPP_SERVER=perf/compare/cpp/build/echo-server
prepare_cpp() {
  local rc=0
  bash perf/compare/cpp/build.sh || rc=$?
  if [ "$rc" = 3 ]; then
    echo "cpp: installing Debian's libgrpc++-dev protobuf-compiler-grpc (and protoc, g++, pkg-config) with apt-get" >&2
    if ! apt_install libgrpc++-dev libprotobuf-dev protobuf-compiler-grpc protobuf-compiler g++ pkg-config; then
      echo "cpp skipped: apt-get could not install the C++ gRPC packages (not root, or no network?)" >&2
      return 1
    fi
    rc=0
    bash perf/compare/cpp/build.sh || rc=$?
  fi
  if [ "$rc" != 0 ]; then
    echo "cpp skipped: perf/compare/cpp/build.sh failed (exit $rc, see above)" >&2
    return 1
  fi
}
if [[ " $SERVERS " == *" cpp "* ]] && ! prepare_cpp; then
  kept=""
  for name in $SERVERS; do [ "$name" = cpp ] || kept+="$name "; done
  SERVERS=$kept
fi

# One gRPC frame per size (the 64-byte one is also the nghttp sample call's).
for size in $SIZES 64; do python3 perf/compare/echo-request.py "$size" "$WORK/echo-$size.bin"; done

start_server() { # name port; sets SERVER_PID
  local name=$1 port=$2
  case "$name" in
    # Requests above 4 MiB (--sizes 4194304) need a larger limit than the default.
    fastgrpc) $PIN_SERVER node dist/bin/server.js --workers 1 --engine h2 --max-message-bytes 16777216 --listen "tcp://127.0.0.1:$port" --log-level warn >"$WORK/$name.out" 2>&1 & ;;
    fastgrpc-node) $PIN_SERVER node dist/bin/server.js --workers 1 --engine node --max-message-bytes 16777216 --listen "tcp://127.0.0.1:$port" --log-level warn >"$WORK/$name.out" 2>&1 & ;;
    raw) $PIN_SERVER node dist/perf/compare/raw-node-echo.js "$port" >"$WORK/$name.out" 2>&1 & ;;
    grpc-js) $PIN_SERVER node dist/perf/compare/grpc-js-echo.js "$port" >"$WORK/$name.out" 2>&1 & ;;
    # taskset execs the binary, so $! is the C++ process itself and /proc gives its CPU (all its threads).
    cpp) $PIN_SERVER "$CPP_SERVER" "$port" >"$WORK/$name.out" 2>&1 & ;;
    *) echo "unknown server $name" >&2; exit 2 ;;
  esac
  SERVER_PID=$!
  PIDS+=("$SERVER_PID")
  for _ in $(seq 100); do grep -q listening "$WORK/$name.out" 2>/dev/null && break; sleep 0.1; done
  grep -q listening "$WORK/$name.out" || { echo "$name did not start: $(cat "$WORK/$name.out")" >&2; exit 1; }
}

# CPU seconds (user+sys) a process has used, from /proc (clock ticks).
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
TICKS=$(getconf CLK_TCK)

# grpc-status of one sample call of each size: h2load counts any HTTP 200 as a success, even a failed gRPC call (a
# server whose message limit is below the size answers RESOURCE_EXHAUSTED with HTTP 200).
sample_status() { # port size
  { nghttp -v -t 5 -d "$WORK/echo-$2.bin" -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$1/fastgrpc.echo.v1.EchoService/Echo" 2>&1 || true; } |
    sed -n 's/.*recv (stream_id=[0-9]*) grpc-status: \([0-9]*\).*/\1/p;T;q'
}

declare -A RESULT
printf '%-13s %8s %-8s %12s %12s %10s %10s %14s %12s\n' server bytes scenario "req/s" "mean" "p99" "failed" "server us/call" "grpc-status"
port=50460
for name in $SERVERS; do
  port=$((port + 1))
  # Skip ports another program (another comparison run, say) listens on: a clash would end this run.
  while command -v ss >/dev/null && [ -n "$(ss -Hltn "sport = :$port")" ]; do port=$((port + 1)); done
  start_server "$name" "$port"
  pid=$SERVER_PID
  for size in $SIZES; do
  status=$(sample_status "$port" "$size")
  [ "$status" = 0 ] || echo "warning: a sample $size-byte Echo call to $name answered grpc-status '${status:-none}', not 0" >&2
  request_bytes=$(stat -c %s "$WORK/echo-$size.bin")
  for scenario in $SCENARIOS; do
    conns=${scenario%x*}; streams=${scenario#*x}
    rm -f "$WORK/requests.log" "$WORK/cpu-after-warm-up"
    # The server's CPU is read when the warm-up ends, so that it counts only the measured calls.
    (sleep "$WARM_UP"; cpu_ticks "$pid" > "$WORK/cpu-after-warm-up") &
    sampler=$!
    log_args=()
    [ "$P99" = 1 ] && log_args=(--log-file "$WORK/requests.log")
    out=$($PIN_LOAD h2load -c"$conns" -m"$streams" -t1 -D "$DURATION" --warm-up-time "$WARM_UP" -d "$WORK/echo-$size.bin" \
      "${log_args[@]}" \
      -H 'content-type: application/grpc' -H 'te: trailers' \
      "http://127.0.0.1:$port/fastgrpc.echo.v1.EchoService/Echo" 2>&1)
    rps=$(echo "$out" | sed -n 's/.*finished in .*, \([0-9.]*\) req\/s.*/\1/p')
    failed=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) failed.*/\1/p')
    after=$(cpu_ticks "$pid")
    wait "$sampler"
    before=$(cat "$WORK/cpu-after-warm-up")
    done_count=$(echo "$out" | sed -n 's/^requests: .* \([0-9]*\) done,.*/\1/p')
    mean=$(echo "$out" | awk '/^time for request:/ {print $6}')
    # h2load prints no percentiles; its per-request log (3rd column: microseconds) gives them.
    p99=-
    [ "$P99" = 1 ] && p99=$(cut -f3 "$WORK/requests.log" 2>/dev/null | sort -n | awk '{ v[NR] = $1 } END { if (NR > 0) { i = int(NR * 0.99); if (i < 1) i = 1; printf "%.0fus", v[i] } else print "?" }')
    per_call=$(awk -v t=$((after - before)) -v hz="$TICKS" -v d="$DURATION" -v r="${rps:-0}" \
      'BEGIN { calls = r * d; if (calls > 0) printf "%.1f", t / hz * 1e6 / calls; else print "?" }')
    # An echo answers each call with as many DATA bytes as it was sent; fewer means calls failed (with HTTP 200), and
    # the cell's rate is not an echo's: it is shown, marked "short", and left out of the ratios.
    data_bytes=$(echo "$out" | sed -n 's/^traffic: .* (\([0-9]*\)) data.*/\1/p')
    answered=$(awk -v d="${data_bytes:-0}" -v n="${done_count:-0}" -v r="$request_bytes" \
      'BEGIN { if (n > 0 && d >= 0.9 * n * r) print "yes"; else print "no" }')
    cell_status=${status:-?}
    if [ "$answered" = yes ]; then
      RESULT["$name,$size,$scenario"]=${rps:-0}
    else
      echo "warning: $name $size B $scenario answered ${data_bytes:-?} DATA bytes for ${done_count:-?} calls of $request_bytes bytes: not echoed" >&2
      RESULT["$name,$size,$scenario"]=0
      cell_status="short"
    fi
    printf '%-13s %8s %-8s %12s %12s %10s %10s %14s %12s\n' "$name" "$size" "$scenario" "${rps:-?}" "${mean:-?}" "${p99:-?}" "${failed:-?}" \
      "$per_call" "$cell_status"
  done
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
done

if [[ " $SERVERS " == *" fastgrpc "* ]]; then
  echo
  for size in $SIZES; do
  for scenario in $SCENARIOS; do
    ours=${RESULT["fastgrpc,$size,$scenario"]:-0}
    line="fastgrpc ${size} B $scenario:"
    for other in $SERVERS; do
      [ "$other" = fastgrpc ] && continue
      theirs=${RESULT["$other,$size,$scenario"]:-0}
      line+=$(awk -v a="$ours" -v b="$theirs" -v n="$other" 'BEGIN { if (b > 0) printf "  %.2fx %s", a / b, n; else printf "  n/a %s", n }')
    done
    echo "$line"
  done
  done
fi

# The core issue's yardstick: fastgrpc on node:http2 against the raw node:http2 echo (the ceiling on node:http2).
if [[ " $SERVERS " == *" fastgrpc-node "* && " $SERVERS " == *" raw "* ]]; then
  for size in $SIZES; do
  for scenario in $SCENARIOS; do
    awk -v a="${RESULT["fastgrpc-node,$size,$scenario"]:-0}" -v b="${RESULT["raw,$size,$scenario"]:-0}" -v s="$size B $scenario" \
      'BEGIN { if (b > 0) printf "fastgrpc-node %s: %.0f%% of the raw node:http2 echo\n", s, 100 * a / b }'
  done
  done
fi
