#!/bin/bash
# A/B of interceptors on the 64-byte echo (perf/interceptor-overhead.ts): for ROUNDS rounds, every combination of
# server {plain, noop, async} x client {plain, noop}, alternating; server pinned to core 0, client to core 1, 4 s each.
# Prints calls/s, the client's CPU per call and the server's (from /proc, over all the calls the client made).
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
rounds=${1:-3}
port=${PORT:-50662}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
for round in $(seq 1 "$rounds"); do
  for combo in "plain plain" "noop plain" "plain noop" "noop noop" "async plain"; do
    set -- $combo
    taskset -c 0 node dist/perf/interceptor-overhead.js serve "$port" "$1" >"$log" 2>&1 & server=$!
    for _ in $(seq 1 50); do grep -q serving "$log" && break; sleep 0.1; done
    before=$(cpu $server)
    line=$(taskset -c 1 node dist/perf/interceptor-overhead.js load "$port" 4 "$2")
    after=$(cpu $server)
    all=${line##*, }; all=${all%% calls in all}
    echo "round $round server $1 $line, server CPU $(awk "BEGIN { printf \"%.2f\", ($after - $before) * 1000000 / $tick / $all }") us/call"
    kill $server; wait $server 2>/dev/null || true
  done
done
