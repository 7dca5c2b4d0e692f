#!/bin/bash
# Alternating rounds of perf/haproxy-bidi-stall.ts: the same pipelined bidi call (3 x 4 MiB) through HAProxy with
# each client configuration, one line per run with the outcome and the load average. Usage (after make build):
#   flock /tmp/fastgrpc-bench.lock perf/haproxy-bidi-stall-rounds.sh [ROUNDS]
cd "$(dirname "$0")/.." || exit 1
. perf/use-pinned-node.sh
for round in $(seq 1 "${1:-6}"); do
  for cfg in "--client h2" "--client h2 --client-window 4194309" "--client h2 --client-window 65535" "--client grpcio" "--client node"; do
    # shellcheck disable=SC2086
    out=$(timeout 60 node dist/perf/haproxy-bidi-stall.js $cfg --timeout-ms 5000 2>&1 | head -1)
    echo "round $round | $cfg | $(echo "$out" | grep -o '"outcome":"[^"]*"') | load $(cut -d' ' -f1 /proc/loadavg)"
  done
done
