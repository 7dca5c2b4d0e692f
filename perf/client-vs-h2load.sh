#!/usr/bin/env bash
# fastgrpc-bench against h2load as clients of the same fastgrpc-server (issue 12's client targets): the server on
# core 0, the client on core 1, alternating rounds; prints calls/s and client CPU per call for each.
# Usage: perf/client-vs-h2load.sh [ROUNDS] [SECONDS] [SIZES] [SHAPES]   e.g. perf/client-vs-h2load.sh 3 3 "65536 1048576" "1x1 1x16"
# Run from the repository root after `make build`. Loopback only; every process it starts dies with it.
set -euo pipefail
cd "$(dirname "$0")/.."
. perf/use-pinned-node.sh
ROUNDS=${1:-3}; SECS=${2:-3}; SIZES=${3:-"65536 1048576"}; SHAPES=${4:-"1x1 1x16"}
PORT=${CLIENT_VS_H2LOAD_PORT:-50161}
WORK=$(mktemp -d)
taskset -c 0 node dist/bin/server.js --workers 1 --max-message-bytes 16777216 --listen "tcp://127.0.0.1:$PORT" --log-level warn >"$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null; wait $SERVER 2>/dev/null || true; rm -rf "$WORK"' EXIT
for _ in $(seq 1 100); do grep -q listening "$WORK/server.log" && break; sleep 0.1; done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for size in $SIZES; do
  python3 perf/compare/echo-request.py "$size" "$WORK/req.bin"
  for shape in $SHAPES; do
    m=${shape#*x}
    for round in $(seq 1 "$ROUNDS"); do
      h2() {
        /usr/bin/time -f "%U %S" -o "$WORK/time" taskset -c 1 h2load -c1 -m"$m" -t1 -D "$SECS" --warm-up-time 1 -d "$WORK/req.bin" \
          -H 'content-type: application/grpc' -H 'te: trailers' "http://127.0.0.1:$PORT/fastgrpc.echo.v1.EchoService/Echo" >"$WORK/h2.out" 2>&1
        python3 - "$WORK/h2.out" "$WORK/time" "$SECS" <<'PY'
import re,sys
out=open(sys.argv[1]).read(); u,s=map(float,open(sys.argv[2]).read().split()[-2:])
done=int(re.search(r'requests: \d+ total, \d+ started, (\d+) done',out).group(1))
rate=float(re.search(r'finished in [0-9.]+s, ([0-9.]+) req/s',out).group(1))
print(f"h2load          {rate:9.0f} calls/s  client CPU/call {(u+s)*1e6/max(done,1):8.1f} us (whole run incl. 1 s warm-up)")
PY
      }
      fb() {
        taskset -c 1 node dist/bin/bench.js --target "tcp://127.0.0.1:$PORT" --connections 1 --concurrency "$m" \
          --duration "${SECS}s" --warmup 1s --payload-bytes "$size" --json "$WORK/fb.json" >/dev/null 2>&1
        node -e 'const r=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8"));console.log(`fastgrpc-bench  ${String(Math.round(r.achievedRate)).padStart(9)} calls/s  client CPU/call ${String(r.cpu.perCallUs).padStart(8)} us (measured window)`)' "$WORK/fb.json"
      }
      echo "-- $size B, $shape, round $round"
      if [ $((round % 2)) -eq 1 ]; then h2; fb; else fb; h2; fi
    done
  done
done
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
