#!/usr/bin/env bash
# The same build's fastgrpc-server as ES modules (dist/src/cli/server.js, what tsc writes) and as the bundle
# (dist/bin/server.js, mk/bundle-cli.mjs), alternating rounds (docs/benchmarks.md §14).
#
#   bash perf/compare/bundle-ab.sh rss [ROUNDS]            # VmRSS of every process, 2 s after start, --workers 1 and 2
#   bash perf/compare/bundle-ab.sh rate [ROUNDS] [SECS]    # h2load req/s and server CPU us/call (core 0 / core 1)
#
# CELLS="SIZE:IN_FLIGHT ..." picks the rate cells (default below); the request bodies are /tmp/echo-SIZE.bin, made
# when missing (perf/compare/echo-request.py).
set -uo pipefail
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh
mode=${1:-rate} rounds=${2:-3} secs=${3:-4}
cells=${CELLS:-"64:100 1024:16 16384:1 65536:16 1048576:16 4194304:16"}
entry_of() { [ "$1" = bundle ] && echo dist/bin/server.js || echo dist/src/cli/server.js; }
order_of() { [ $(($1 % 2)) -eq 1 ] && echo "modules bundle" || echo "bundle modules"; }
log=$(mktemp)
trap 'rm -f "$log"' EXIT

start_server() { # entry, extra args...
  local entry=$1; shift
  "$@" node "$entry" --listen tcp://127.0.0.1:50571 --log-level warn --max-message-bytes 16777216 "${SERVER_ARGS[@]}" >"$log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$log" && return 0; sleep 0.1; done
  echo "bundle-ab: the server did not start: $(cat "$log")" >&2; kill "$server" 2>/dev/null; return 1
}

rss_round() { # entry workers
  SERVER_ARGS=(--workers "$2"); start_server "$1" || return
  sleep 2
  local total=0 line=""
  for pid in "$server" $(cat /proc/"$server"/task/*/children 2>/dev/null); do
    local kb; kb=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
    total=$((total + kb)); line="$line $(awk -v k="$kb" 'BEGIN { printf "%.1f", k / 1024 }')"
  done
  kill "$server"; wait "$server" 2>/dev/null
  echo "MB:$line | total $(awk -v k="$total" 'BEGIN { printf "%.1f", k / 1024 }')"
}

rate_round() { # entry size in-flight
  SERVER_ARGS=(--workers 1); start_server "$1" taskset -c 0 || return
  local t0 t1 out rps
  t0=$(awk '{ print $14 + $15 }' /proc/"$server"/stat)
  out=$(taskset -c 1 h2load -c1 -m"$3" -t1 -D "$secs" --warm-up-time 1 -d "/tmp/echo-$2.bin" \
    -H "content-type: application/grpc" -H "te: trailers" http://127.0.0.1:50571/fastgrpc.echo.v1.EchoService/Echo 2>&1)
  t1=$(awk '{ print $14 + $15 }' /proc/"$server"/stat)
  kill "$server"; wait "$server" 2>/dev/null
  rps=$(echo "$out" | grep -oE "[0-9.]+ req/s" | head -1 | cut -d' ' -f1)
  # Clock ticks of 10 ms over every call h2load made, its warm-up second included.
  echo "$rps req/s, $(awk -v t=$((t1 - t0)) -v r="$rps" -v s="$secs" 'BEGIN { printf "%.1f", t * 10000 / (r * (s + 1)) }') us CPU/call"
}

case "$mode" in
  rss)
    for workers in 1 2; do
      for r in $(seq 1 "$rounds"); do
        for which in $(order_of "$r"); do echo "--workers $workers round $r $which: $(rss_round "$(entry_of "$which")" "$workers")"; done
      done
    done ;;
  rate)
    for cell in $cells; do
      size=${cell%%:*} inflight=${cell##*:}
      [ -s "/tmp/echo-$size.bin" ] || python3 perf/compare/echo-request.py "$size" "/tmp/echo-$size.bin"
      for r in $(seq 1 "$rounds"); do
        for which in $(order_of "$r"); do echo "$size 1x$inflight round $r $which: $(rate_round "$(entry_of "$which")" "$size" "$inflight")"; done
      done
    done ;;
  *) echo "usage: bundle-ab.sh rss|rate [ROUNDS] [SECS]" >&2; exit 2 ;;
esac
