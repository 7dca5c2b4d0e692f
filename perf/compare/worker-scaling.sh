#!/usr/bin/env bash
# Worker scaling: perf/compare/worker-scaling.sh ENGINE WORKERS CONNS STREAMS SECS -> req/s and the server's CPU
# (primary + workers) in cores. With 1 worker the server is pinned to core 0 and h2load to core 1; with more, both
# are unpinned and share the cores (the load generator's cost is then part of what the workers compete with).
# WORKER_SCALING_DIST: the build to run (default dist; another checkout's dist compares two versions).
E=$1; W=$2; C=$3; M=$4; S=$5
DIST=${WORKER_SCALING_DIST:-dist}
[ -f /tmp/echo-64.bin ] || { printf "\x00\x00\x00\x00\x42\x0a\x40"; head -c 64 /dev/zero | tr "\0" x; } > /tmp/echo-64.bin
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh
PIN=""; [ "$W" = 1 ] && PIN="taskset -c 0"
$PIN node "$DIST"/bin/server.js --workers $W --engine $E --listen tcp://127.0.0.1:50111 --log-level warn > /tmp/scale.out 2>&1 & P=$!
for i in $(seq 1 100); do grep -q listening /tmp/scale.out && break; sleep 0.1; done
grep -q listening /tmp/scale.out || { echo "worker-scaling: the server did not start:" >&2; cat /tmp/scale.out >&2; kill $P 2>/dev/null; exit 1; }
LG=""; [ "$W" = 1 ] && LG="taskset -c 1"
cpu() { local s=0; for p in $P $(cat /proc/$P/task/*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$'); do s=$((s + $(awk '{print $14+$15}' /proc/$p/stat))); done; echo $s; }
$LG h2load -c$C -m$M -t1 -D 2 -d /tmp/echo-64.bin -H 'content-type: application/grpc' -H 'te: trailers' http://127.0.0.1:50111/fastgrpc.echo.v1.EchoService/Echo >/dev/null 2>&1
T0=$(cpu); OUT=$($LG h2load -c$C -m$M -t1 -D $S -d /tmp/echo-64.bin -H 'content-type: application/grpc' -H 'te: trailers' http://127.0.0.1:50111/fastgrpc.echo.v1.EchoService/Echo 2>&1); T1=$(cpu)
kill $P; wait $P 2>/dev/null
echo "engine=$E workers=$W c$C m$M: $(echo "$OUT" | grep -oP 'finished in [0-9.]+s, \K[0-9.]+') req/s, server CPU $(awk -v t=$((T1-T0)) -v s=$S 'BEGIN{printf "%.2f", t/100/s}') cores"
