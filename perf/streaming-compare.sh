#!/bin/bash
# Bidi streaming throughput, side by side (perf/streaming-throughput.ts): for ROUNDS rounds, each server in turn
# (fastgrpc-server --workers 1, the raw node:http2 echo, Google's C++ gRPC async echo from perf/compare/cpp) pinned
# to core 0, the same fastgrpc client on core 1, 1 KiB and 64 KiB messages, 4 s each. Prints messages/s, MB/s, the
# client's CPU per message and the server's (from /proc, over every message the client got).
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
rounds=${1:-3}
port=${PORT:-50664}
log=$(mktemp)
trap 'rm -f "$log"; [ -n "${server:-}" ] && kill "$server" 2>/dev/null || true' EXIT
bash perf/compare/cpp/build.sh
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
for round in $(seq 1 "$rounds"); do
  for size in 1024 65536; do
    for name in fastgrpc raw-node cpp; do
      case $name in
        fastgrpc) taskset -c 0 node dist/bin/server.js --listen "tcp://127.0.0.1:$port" --workers 1 --log-level warn >"$log" 2>&1 & server=$! ;;
        raw-node) taskset -c 0 node dist/perf/compare/raw-node-echo.js "$port" >"$log" 2>&1 & server=$! ;;
        cpp) taskset -c 0 perf/compare/cpp/build/echo-server "$port" >"$log" 2>&1 & server=$! ;;
      esac
      for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.1; done
      before=$(cpu $server)
      line=$(taskset -c 1 node dist/perf/streaming-throughput.js "$port" 4 "$size")
      after=$(cpu $server)
      all=${line##*, }; all=${all%% messages in all}
      echo "round $round $name $line, server CPU $(awk "BEGIN { printf \"%.2f\", ($after - $before) * 1000000 / $tick / $all }") us/message"
      kill "$server"; wait "$server" 2>/dev/null || true; server=""
    done
  done
done
