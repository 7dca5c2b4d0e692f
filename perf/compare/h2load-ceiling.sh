#!/usr/bin/env bash
# How close fastgrpc-server comes to h2load's own ceiling: h2load (core 1) against fastgrpc (--workers 1, core 0)
# and against perf/compare/canned-h2-server.ts (core 0), which answers without decoding anything, alternating rounds;
# with CEILING_CPP=1, Google's C++ gRPC echo server (perf/compare/cpp, `make cpp-echo`) takes its turn in each round
# too. Where a server reaches most of the canned server's rate, h2load is the limit of that cell (docs/benchmarks.md
# §14), and no server can show a larger lead over another there.
#
#   bash perf/compare/h2load-ceiling.sh [ROUNDS] [SECS] ["SIZES"] ["SHAPES"]
#   bash perf/compare/h2load-ceiling.sh 3 3 "64 1024 4096 16384" "1x1 1x16 1x100"
#
# Request bodies: /tmp/echo-SIZE.bin, made here when missing (perf/compare/echo-request.py).
# Prints one line per run: size, shape, round, server, req/s, server CPU us per call. Loopback only; bounded in time.
# CEILING_WARM_UP: seconds of load before each measured run (default 5; §14's figures were taken with 1).
set -uo pipefail
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh
rounds=${1:-3} secs=${2:-3} sizes=${3:-"64 1024 4096 16384"} shapes=${4:-"1x1 1x16 1x100"}
# Seconds of unmeasured load on each fresh server first: fastgrpc's JIT settles in ~4 s (docs/benchmarks.md §17).
warm_up=${CEILING_WARM_UP:-5}
port=50573 log=$(mktemp)
trap 'rm -f "$log"' EXIT

request_file() { # size -> path, made once
  local file=/tmp/echo-$1.bin
  [ -s "$file" ] || python3 perf/compare/echo-request.py "$1" "$file"
  echo "$file"
}

run() { # server size shape -> "req/s us-per-call"
  local which=$1 size=$2 shape=$3 c=${3%x*} m=${3#*x}
  if [ "$which" = canned ]; then
    taskset -c 0 node dist/perf/compare/canned-h2-server.js "$port" "$size" >"$log" 2>&1 &
  elif [ "$which" = cpp ]; then
    taskset -c 0 perf/compare/cpp/build/echo-server "$port" >"$log" 2>&1 &
  else
    taskset -c 0 node dist/bin/server.js --listen "tcp://127.0.0.1:$port" --workers 1 --log-level warn --max-message-bytes 16777216 >"$log" 2>&1 &
  fi
  local server=$!
  for _ in $(seq 1 100); do grep -qi "listening" "$log" && break; sleep 0.1; done
  local file out t0 t1 done_
  file=$(request_file "$size")
  taskset -c 1 h2load -c"$c" -m"$m" -t1 -D "$warm_up" -d "$file" -H "content-type: application/grpc" -H "te: trailers" \
    "http://127.0.0.1:$port/fastgrpc.echo.v1.EchoService/Echo" >/dev/null 2>&1   # warm-up
  t0=$(awk '{ print $14 + $15 }' /proc/$server/stat)
  out=$(taskset -c 1 h2load -c"$c" -m"$m" -t1 -D "$secs" -d "$file" -H "content-type: application/grpc" -H "te: trailers" \
    "http://127.0.0.1:$port/fastgrpc.echo.v1.EchoService/Echo" 2>&1)
  t1=$(awk '{ print $14 + $15 }' /proc/$server/stat)
  kill "$server"; wait "$server" 2>/dev/null
  done_=$(echo "$out" | grep -oE "requests: [0-9]+ total, [0-9]+ started, [0-9]+ done" | grep -oE "[0-9]+ done" | cut -d' ' -f1)
  echo "$(echo "$out" | grep -oE "finished in [0-9.]+s, [0-9.]+ req/s" | grep -oE "[0-9.]+ req/s" | cut -d' ' -f1) req/s" \
    "$(awk -v t=$((t1 - t0)) -v d="${done_:-0}" 'BEGIN { if (d > 0) printf "%.1f", t * 10000 / d; else printf "?" }') us/call"
}

for size in $sizes; do
  for shape in $shapes; do
    for r in $(seq 1 "$rounds"); do
      if [ $((r % 2)) -eq 1 ]; then order="fastgrpc canned"; else order="canned fastgrpc"; fi
      [ "${CEILING_CPP:-0}" = 1 ] && order="$order cpp"
      for which in $order; do echo "$size $shape round $r $which $(run "$which" "$size" "$shape")"; done
    done
  done
done
