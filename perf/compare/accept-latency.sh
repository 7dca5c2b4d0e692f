#!/usr/bin/env bash
# How long a fresh connection waits for its first answer while the default server is loaded:
#   bash perf/compare/accept-latency.sh [DIST]          # DIST: the build to run (default dist)
# Starts fastgrpc-server with its default --workers, loads it with h2load (2 connections x 100 streams of 64-byte
# Echo, 12 s), and meanwhile makes 20 one-call connections (h2load -c1 -n1), 0.2 s apart, printing the median, p90
# and largest "time to 1st byte" (connect + the call) and the load's calls/s. Under --workers N the primary accepts
# every connection on the event loop that also serves calls (docs/scaling.md). Loopback only; bounded in time.
set -euo pipefail
DIST=${1:-dist}
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh
[ -f /tmp/echo-64.bin ] || python3 perf/compare/echo-request.py 64 /tmp/echo-64.bin
PORT=50231
work=$(mktemp -d); server="" load=""
trap '[ -n "$load" ] && kill "$load" 2>/dev/null; [ -n "$server" ] && kill "$server" 2>/dev/null; rm -rf "$work"' EXIT
node "$DIST"/bin/server.js --listen "tcp://127.0.0.1:$PORT" --log-level warn >"$work/server" 2>&1 & server=$!
for _ in $(seq 1 100); do grep -q "listening on" "$work/server" && break; sleep 0.1; done
grep -q "listening on" "$work/server" || { echo "accept-latency: the server did not start:" >&2; cat "$work/server" >&2; exit 1; }
echo_h2load() { h2load "$@" -t1 -d /tmp/echo-64.bin -H 'content-type: application/grpc' -H 'te: trailers' "http://127.0.0.1:$PORT/fastgrpc.echo.v1.EchoService/Echo"; }
echo_h2load -c2 -m100 -D 12 >"$work/load" 2>&1 & load=$!
sleep 2
for _ in $(seq 1 20); do
  echo_h2load -c1 -n1 2>&1 | awk '/^time to 1st byte/ { print $5 }'
  sleep 0.2
done >"$work/ttfb"
wait "$load"; load=""
python3 - "$work/ttfb" <<'PY'
import re, statistics, sys
scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
ms = sorted(float(m.group(1)) * scale[m.group(2)] for line in open(sys.argv[1]) if (m := re.match(r"([0-9.]+)(us|ms|s)$", line.strip())))
print(f"fresh connections: {len(ms)}, time to first answer median {statistics.median(ms):.2f} ms, p90 {ms[int(len(ms) * 0.9) - 1]:.2f} ms, max {ms[-1]:.2f} ms")
PY
echo "load: $(grep -oP 'finished in [0-9.]+s, \K[0-9.]+' "$work/load") calls/s"
