#!/usr/bin/env bash
# Both servers run at once on core 0 (each idle while the other is measured); h2load on core 1 alternates between
# them in short rounds so host-speed drift hits both alike. ab-live.sh ROUNDS SECS SCEN "ARGS A" "ARGS B"
# AB_DIST_A / AB_DIST_B: the build each side runs (default dist; another checkout's dist compares two versions).
# AB_REQUEST: the request body file (default /tmp/echo-64.bin, a 64-byte EchoRequest).
ROUNDS=$1; SECS=$2; SCEN=$3; A=$4; B=$5
C=${SCEN%x*}; M=${SCEN#*x}
DIST_A=${AB_DIST_A:-dist}; DIST_B=${AB_DIST_B:-dist}; REQUEST=${AB_REQUEST:-/tmp/echo-64.bin}
cd "$(dirname "$0")/../.."
[ -f /tmp/echo-64.bin ] || python3 perf/compare/echo-request.py 64 /tmp/echo-64.bin
. perf/use-pinned-node.sh
taskset -c 0 node "$DIST_A"/bin/server.js --workers 1 $A --listen tcp://127.0.0.1:50101 --log-level warn > /tmp/abl-a.out 2>&1 & PA=$!
taskset -c 0 node "$DIST_B"/bin/server.js --workers 1 $B --listen tcp://127.0.0.1:50102 --log-level warn > /tmp/abl-b.out 2>&1 & PB=$!
for i in $(seq 1 100); do grep -q listening /tmp/abl-a.out && grep -q listening /tmp/abl-b.out && break; sleep 0.1; done
if ! grep -q listening /tmp/abl-a.out || ! grep -q listening /tmp/abl-b.out; then
  echo "ab-live: a server did not start:" >&2; cat /tmp/abl-a.out /tmp/abl-b.out >&2; kill $PA $PB 2>/dev/null; exit 1
fi
run() { # port pid -> "rps us"
  local t0 t1 out done
  t0=$(awk '{print $14+$15}' /proc/$2/stat)
  out=$(taskset -c 1 h2load -c$C -m$M -t1 -D $SECS -d "$REQUEST" -H 'content-type: application/grpc' -H 'te: trailers' http://127.0.0.1:$1/fastgrpc.echo.v1.EchoService/Echo 2>&1)
  t1=$(awk '{print $14+$15}' /proc/$2/stat)
  done=$(echo "$out" | grep -oP 'requests: \d+ total, \d+ started, \K\d+')
  echo "$(echo "$out" | grep -oP 'finished in [0-9.]+s, \K[0-9.]+') $((t1-t0)) $done"
}
run 50101 $PA >/dev/null; run 50102 $PB >/dev/null   # warm-up
for r in $(seq 1 $ROUNDS); do
  if [ $((r % 2)) -eq 1 ]; then echo "A $(run 50101 $PA)"; echo "B $(run 50102 $PB)"; else echo "B $(run 50102 $PB)"; echo "A $(run 50101 $PA)"; fi
done | tee /tmp/abl.log
kill $PA $PB; wait 2>/dev/null
python3 - "$A" "$B" <<'PY'
import sys,statistics
rows=[l.split() for l in open('/tmp/abl.log') if l.strip()]
for tag,name in (('A',sys.argv[1]),('B',sys.argv[2])):
    rs=[float(r[1]) for r in rows if r[0]==tag]; ticks=sum(int(r[2]) for r in rows if r[0]==tag); calls=sum(int(r[3]) for r in rows if r[0]==tag)
    print(f"{tag} [{name}] median req/s {statistics.median(rs):.0f}  server CPU/call {ticks*10000/calls:.2f} us (sum over rounds)")
PY
