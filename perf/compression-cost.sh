#!/bin/bash
# A/B of gzip on the echo (perf/compression-cost.ts): for ROUNDS rounds, identity and gzip (both directions) at 1 KiB
# and 64 KiB, alternating; server pinned to core 0, client to core 1, 4 s each. Prints calls/s, the client's CPU
# per call and the server's (from /proc, over all the calls the client made).
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
rounds=${1:-3}
port=${PORT:-50663}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
for round in $(seq 1 "$rounds"); do
  for size in 1024 65536; do
    for mode in identity gzip; do
      taskset -c 0 node dist/perf/compression-cost.js serve "$port" "$mode" >"$log" 2>&1 & server=$!
      for _ in $(seq 1 50); do grep -q serving "$log" && break; sleep 0.1; done
      before=$(cpu $server)
      line=$(taskset -c 1 node dist/perf/compression-cost.js load "$port" 4 "$size" "$mode")
      after=$(cpu $server)
      all=${line##*, }; all=${all%% calls in all}
      echo "round $round $line, server CPU $(awk "BEGIN { printf \"%.1f\", ($after - $before) * 1000000 / $tick / $all }") us/call"
      kill $server; wait $server 2>/dev/null || true
    done
  done
done
