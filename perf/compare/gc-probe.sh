#!/usr/bin/env bash
# One fastgrpc-server (--workers 1) on core 0 under h2load on core 1 for SECONDS, with V8's --trace-gc: prints
# calls/s, server CPU per call, and Mark-Compacts and scavenges per 1,000 calls (counts that the machine's load
# does not change, unlike calls/s). Used for docs/benchmarks.md §12.
# Usage: perf/compare/gc-probe.sh DIST REQUEST_FILE SHAPE SECONDS [server flags...]
#   GC_PROBE_NODE_FLAGS="--scavenger-max-new-space-capacity-mb=32" perf/compare/gc-probe.sh dist /tmp/echo-65536.bin 1x16 3
# REQUEST_FILE is one gRPC frame (see perf/compare/run.sh for how to make one). Loopback only; stops by itself.
set -u
DIST=$1; BODY=$2; SHAPE=$3; SECS=$4; shift 4
PORT=$((40000 + RANDOM % 2000))
C=${SHAPE%x*}; M=${SHAPE#*x}
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh
LOG=$(mktemp)
# shellcheck disable=SC2086 # GC_PROBE_NODE_FLAGS is a list of node flags
taskset -c 0 node --trace-gc ${GC_PROBE_NODE_FLAGS:-} "$DIST/bin/server.js" --workers 1 --max-message-bytes 16777216 \
  --listen "tcp://127.0.0.1:$PORT" --log-level warn "$@" > "$LOG" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null; rm -f "$LOG" "$LOG.window"' EXIT
for _ in $(seq 1 100); do grep -q listening "$LOG" && break; sleep 0.1; done
cpu_ticks() { awk '{print $14+$15}' "/proc/$SERVER/stat"; }
load() { taskset -c 1 h2load -c"$C" -m"$M" -t1 -D "$1" -d "$BODY" -H 'content-type: application/grpc' -H 'te: trailers' \
  "http://127.0.0.1:$PORT/fastgrpc.echo.v1.EchoService/Echo" 2>&1; }
load 1 > /dev/null   # warm-up
FIRST_LINE=$(wc -l < "$LOG"); T0=$(cpu_ticks)
OUT=$(load "$SECS")
T1=$(cpu_ticks)
tail -n +"$((FIRST_LINE + 1))" "$LOG" > "$LOG.window"
DONE=$(echo "$OUT" | grep -oP 'requests: \d+ total, \d+ started, \K\d+')
MC=$(grep -c Mark-Compact "$LOG.window"); SC=$(grep -c Scavenge "$LOG.window")
python3 -c "d=max($DONE,1); print(f'{d/$SECS:8.0f} calls/s  server CPU/call {($T1-$T0)*1e6/100/d:7.1f} us  Mark-Compacts/1K calls {$MC*1000/d:5.2f}  scavenges/1K calls {$SC*1000/d:5.2f}  (load average $(cut -d' ' -f1 /proc/loadavg))')"
