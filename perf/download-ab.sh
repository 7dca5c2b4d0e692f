#!/bin/bash
# A/B of one client setting on the 1 GiB download, alternating A and B in every round against ONE fastgrpc-server
# (--workers 1, core 0; client perf/download-throughput.ts on core 1, h2 engine):
#   window      A: the client's default stream receive window (256 KiB)   B: DOWNLOAD_WINDOW=4194304
#   young-gen   A: V8's default young generation (--scavenger-max-new-space-capacity-mb=32)   B: capped as the CLIs do
# Prints MB/s, client CPU per MB and the server's CPU for each run, with /proc/loadavg.
#   perf/download-ab.sh window|young-gen [ROUNDS=3] [TOTAL=1073741824] [SIZES="65536 1048576"]
# Run it under `flock /tmp/fastgrpc-bench.lock` on a shared machine.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
what=${1:-}
rounds=${2:-3}
total=${3:-1073741824}
sizes=${4:-65536 1048576}
port=${PORT:-50666}
case $what in
  window|young-gen) ;;
  *) echo "usage: perf/download-ab.sh window|young-gen [ROUNDS] [TOTAL] [SIZES]" >&2; exit 2 ;;
esac
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 22 ? 0 : 1)' ||
  { echo "download-ab: needs node >= 22 on PATH (the Makefile's pinned one is in .tools/)" >&2; exit 2; }
log=$(mktemp)
trap 'rm -f "$log"; kill "$server" 2>/dev/null || true' EXIT
taskset -c 0 node dist/bin/server.js --listen "tcp://127.0.0.1:$port" --workers 1 --log-level warn >"$log" 2>&1 & server=$!
for _ in $(seq 1 100); do grep -q listening "$log" && break; sleep 0.1; done
kill -0 "$server" 2>/dev/null && grep -q listening "$log" || { echo "download-ab: the server did not start: $(cat "$log")" >&2; exit 1; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
echo "A/B $what, $total bytes per run; load average $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  for size in $sizes; do
    for variant in A B; do
      case $what/$variant in
        window/A) label="window 256 KiB"; env=(DOWNLOAD_WINDOW=0); flags=() ;;
        window/B) label="window 4 MiB"; env=(DOWNLOAD_WINDOW=4194304); flags=() ;;
        young-gen/A) label="young gen default"; env=(DOWNLOAD_WINDOW=0); flags=(--scavenger-max-new-space-capacity-mb=32) ;;
        young-gen/B) label="young gen capped"; env=(DOWNLOAD_WINDOW=0); flags=() ;;
      esac
      before=$(cpu "$server")
      line=$(env "${env[@]}" taskset -c 1 timeout 300 node "${flags[@]}" dist/perf/download-throughput.js "$port" "$total" "$size") ||
        line="the client failed"
      after=$(cpu "$server")
      echo "round $round $label: $line, server CPU $(( (after - before) * 1000 / tick )) ms; load $(cut -d' ' -f1 /proc/loadavg)"
    done
  done
done
