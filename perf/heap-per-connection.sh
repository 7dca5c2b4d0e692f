#!/usr/bin/env bash
# The JavaScript heap an idle HTTP/2 connection costs one serving process (fastgrpc-server --workers 1): V8 heap
# snapshots (--heapsnapshot-signal) before and after N idle connections (perf/idle-connections.ts), and their
# difference by object type and constructor (perf/heap-snapshot-diff.py). Exact, unlike RSS: a snapshot is taken
# after a full GC and counts each object once. Loopback only; stops by itself.
#
#   bash perf/heap-per-connection.sh [CONNECTIONS=1000] [TOP=30]
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
connections=${1:-1000} top=${2:-30}
. perf/lib/idle-connections.sh
# Started in $work: that is where node writes the snapshots.
(cd "$work" && exec node --heapsnapshot-signal=SIGUSR2 "$OLDPWD/dist/bin/server.js" --workers 1 \
  --listen tcp://127.0.0.1:0 --log-level warn >"$work/log" 2>&1) &
server=$!
target=$(wait_listening)
# The serving process itself (the CLI restarts once in place, so the pid stays the same).
snapshot() { # count: waits until the count-th snapshot file is complete
  kill -USR2 "$server"
  for _ in $(seq 1 300); do
    [ "$(find "$work" -name 'Heap*.heapsnapshot' -size +0 | wc -l)" -ge "$1" ] && sleep 1 && return 0
    sleep 0.1
  done
  echo "heap-per-connection: no heap snapshot written" >&2; exit 1
}
sleep 1
snapshot 1
hold_idle_connections "$target" "$connections"
sleep 1
snapshot 2
mapfile -t snapshots < <(ls "$work"/Heap*.heapsnapshot | sort)
python3 perf/heap-snapshot-diff.py "${snapshots[0]}" "${snapshots[1]}" "$connections" "$top"
