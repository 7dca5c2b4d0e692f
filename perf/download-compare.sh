#!/bin/bash
# Server-streaming download throughput, side by side (perf/download-throughput.ts): for ROUNDS rounds, each message
# SIZE in turn, each server in turn (fastgrpc-server --workers 1, the raw node:http2 server, Google's C++ gRPC async
# server from perf/compare/cpp) pinned to core 0 and the same client on core 1 downloads TOTAL bytes (default
# 1 GiB) on one call: fastgrpc's (h2 engine; CLIENT_ENGINE=node for its node:http2 engine), or @grpc/grpc-js with
# CLIENT_ENGINE=grpc-js (perf/download-grpc-js-client.ts). DOWNLOAD_WINDOW=BYTES sets fastgrpc's h2 client's
# stream receive window (default 256 KiB). Prints MB/s, messages/s, the client's CPU per MB and the server's (from
# /proc, over the whole client run, its warm-up included), with /proc/loadavg.
# Ends with the medians per server and size (perf/download-medians.ts), as docs/benchmarks.md shows them.
# Each round starts with the loopback ceiling: the same bytes over plain node:net (perf/download-tcp-ceiling.ts).
#   perf/download-compare.sh [ROUNDS=3] [TOTAL=1073741824] [SIZES="65536 1048576"]
# Run it under `flock /tmp/fastgrpc-bench.lock` on a shared machine. Each client run is bounded by `timeout`.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
rounds=${1:-3}
total=${2:-1073741824}
sizes=${3:-65536 1048576}
port=${PORT:-50665}
engine=${CLIENT_ENGINE:-h2}
log=$(mktemp)
results=$(mktemp)
server=""
trap 'rm -f "$log" "$results"; [ -n "$server" ] && kill "$server" 2>/dev/null || true' EXIT
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' ||
  { echo "download-compare: needs node >= 22 on PATH (the Makefile's pinned one is in .tools/)" >&2; exit 2; }
bash perf/compare/cpp/build.sh
# Each measured line goes to the screen and to $results, which the medians are computed from.
report() { echo "$1" | tee -a "$results"; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
echo "download of $total bytes, client engine $engine; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  : >"$log"
  taskset -c 0 node dist/perf/download-tcp-ceiling.js serve "$port" >"$log" 2>&1 & server=$!
  for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.1; done
  before=$(cpu "$server")
  if line=$(taskset -c 1 timeout 300 node dist/perf/download-tcp-ceiling.js fetch "$port" "$total"); then
    after=$(cpu "$server")
    warm=$(( total / 8 < 67108864 ? total / 8 : 67108864 ))
    report "round $round tcp-ceiling $line, server CPU $(awk -v a="$after" -v b="$before" -v k="$tick" -v n="$(( total + warm ))" 'BEGIN { printf "%.1f", (a - b) * 1000000 / k / (n / 1e6) }') us/MB; load $(cut -d' ' -f1 /proc/loadavg)"
  else
    echo "round $round tcp-ceiling: the client failed"
  fi
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  for size in $sizes; do
    for name in fastgrpc raw-node cpp; do
      : >"$log"
      case $name in
        fastgrpc) taskset -c 0 node dist/bin/server.js --listen "tcp://127.0.0.1:$port" --workers 1 --log-level warn >"$log" 2>&1 & server=$! ;;
        raw-node) taskset -c 0 node dist/perf/compare/raw-node-echo.js "$port" >"$log" 2>&1 & server=$! ;;
        cpp) taskset -c 0 perf/compare/cpp/build/echo-server "$port" >"$log" 2>&1 & server=$! ;;
      esac
      for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.1; done
      if ! kill -0 "$server" 2>/dev/null || ! grep -q listening "$log"; then
        echo "round $round $name size $size: the server did not start: $(head -c 300 "$log")"
        kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; server=""
        continue
      fi
      before=$(cpu "$server")
      if [ "$engine" = grpc-js ]; then client=(dist/perf/download-grpc-js-client.js "$port" "$total" "$size")
      else client=(dist/perf/download-throughput.js "$port" "$total" "$size" "$engine"); fi
      if line=$(taskset -c 1 timeout 300 node "${client[@]}"); then
        after=$(cpu "$server")
        # Bytes the server sent in this run: the measured download plus the warm-up (TOTAL/8, at most 64 MiB).
        sent=$(awk -v t="$total" -v s="$size" 'BEGIN { w = t / 8; if (w > 67108864) w = 67108864; w = int(w / s); if (w < 1) w = 1; print (int(t / s) + w) * s }')
        report "round $round $name $line, server CPU $(awk -v a="$after" -v b="$before" -v k="$tick" -v n="$sent" 'BEGIN { printf "%.1f", (a - b) * 1000000 / k / (n / 1e6) }') us/MB; load $(cut -d' ' -f1 /proc/loadavg)"
      else
        echo "round $round $name size $size: the client failed (exit $?)"
      fi
      kill "$server"; wait "$server" 2>/dev/null || true; server=""
    done
  done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg); medians:"
node dist/perf/download-medians.js "$results"
