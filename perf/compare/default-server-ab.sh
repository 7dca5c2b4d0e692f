#!/usr/bin/env bash
# The default server (fastgrpc-server with its default --workers, unpinned) of two builds, alternating round by round:
#   bash perf/compare/default-server-ab.sh ROUNDS SECS DIST_A DIST_B
# Each round starts A then B (B then A in even rounds) afresh and runs h2load (unpinned: on a 2-core machine the load
# generator shares the cores with the server, as a co-located client would) with three loads:
#   echo-c8m32   64-byte Echo, 8 connections x 32 streams (h2load-bound here)
#   sign-c2m8    RSA-2048 PKCS#1 Sign, 2 connections x 8 streams (server-bound: shows how connections spread)
#   sign-c8m8    RSA-2048 PKCS#1 Sign, 8 connections x 8 streams
# and prints the median calls/s of each build per load. Loopback only; every run is bounded by SECS.
set -euo pipefail
ROUNDS=$1; SECS=$2; DIST_A=$3; DIST_B=$4
cd "$(dirname "$0")/../.."
. perf/use-pinned-node.sh
[ -f /tmp/echo-64.bin ] || python3 perf/compare/echo-request.py 64 /tmp/echo-64.bin
# SignRequest { data = 32 x "x", key_type = KEY_TYPE_RSA, algorithm = SIGNATURE_ALGORITHM_RSA_PKCS1_SHA256 }, framed.
python3 -c 'import sys; b=bytes([10,32])+b"x"*32+bytes([16,1,24,1]); open(sys.argv[1],"wb").write(bytes([0,0,0,0,len(b)])+b)' /tmp/sign-rsa.bin
PORT=50161
out=$(mktemp); log=$(mktemp); server=""
trap '[ -n "$server" ] && kill "$server" 2>/dev/null; rm -f "$out" "$log"' EXIT
h2() { # CONNS STREAMS SECS FILE PATH -> calls/s
  h2load -c"$1" -m"$2" -t1 -D "$3" -d "$4" -H 'content-type: application/grpc' -H 'te: trailers' "http://127.0.0.1:$PORT$5" 2>&1 \
    | grep -oP 'finished in [0-9.]+s, \K[0-9.]+' || echo 0
}
round() { # TAG DIST
  node "$2"/bin/server.js --listen "tcp://127.0.0.1:$PORT" --log-level warn >"$out" 2>&1 & server=$!
  for _ in $(seq 1 100); do grep -q "listening on" "$out" && break; sleep 0.1; done
  grep -q "listening on" "$out" || { echo "default-server-ab: $2 did not start:" >&2; cat "$out" >&2; exit 1; }
  h2 8 32 1 /tmp/echo-64.bin /fastgrpc.echo.v1.EchoService/Echo >/dev/null   # warm-up
  echo "$1 echo-c8m32 $(h2 8 32 "$SECS" /tmp/echo-64.bin /fastgrpc.echo.v1.EchoService/Echo)"
  echo "$1 sign-c2m8 $(h2 2 8 "$SECS" /tmp/sign-rsa.bin /fastgrpc.crypto.v1.CryptoService/Sign)"
  echo "$1 sign-c8m8 $(h2 8 8 "$SECS" /tmp/sign-rsa.bin /fastgrpc.crypto.v1.CryptoService/Sign)"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
}
for r in $(seq 1 "$ROUNDS"); do
  if [ $((r % 2)) -eq 1 ]; then round A "$DIST_A"; round B "$DIST_B"; else round B "$DIST_B"; round A "$DIST_A"; fi
done | tee "$log"
python3 - "$log" "$DIST_A" "$DIST_B" <<'PY'
import sys, statistics
rows = [line.split() for line in open(sys.argv[1]) if line.strip()]
print(f"load          A ({sys.argv[2]})   B ({sys.argv[3]})   (median calls/s; rounds)")
for load in dict.fromkeys(r[1] for r in rows):
    a = [float(r[2]) for r in rows if r[0] == "A" and r[1] == load]
    b = [float(r[2]) for r in rows if r[0] == "B" and r[1] == load]
    print(f"{load:12}  {statistics.median(a):>10,.0f}  {statistics.median(b):>10,.0f}   A {' / '.join(f'{x:,.0f}' for x in a)}; B {' / '.join(f'{x:,.0f}' for x in b)}")
PY
