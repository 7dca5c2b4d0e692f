#!/usr/bin/env bash
# Per-thread CPU of a signing server under a saturating Sign load: where the core goes per call.
#
#   bash perf/crypto-thread-cpu.sh [--signing-threads N] [--nice N] [--algorithm NAME] [--seconds S] [--in-flight N]
#
# Starts `dist/perf/crypto-sign.js --role server` pinned to core 0 (UV_THREADPOOL_SIZE=1, FASTGRPC_POOL_NICE as
# given), warms it for 1 s, then runs `--role load` pinned to core 1 for S seconds and prints, per thread of the
# server that used CPU, user and system time per call and voluntary / involuntary context switches per call, read
# from /proc/PID/task/TID/{stat,status} before and after. Linux only; needs taskset (util-linux) and a build (make build).
set -euo pipefail
cd "$(dirname "$0")/.."
threads=1 nice=19 algorithm=ecdsa_p256_sha256_asn1 seconds=3 inflight=64
while [ $# -gt 0 ]; do
  case "$1" in
    --signing-threads) threads=$2; shift 2 ;;
    --nice) nice=$2; shift 2 ;;
    --algorithm) algorithm=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --in-flight) inflight=$2; shift 2 ;;
    *) echo "crypto-thread-cpu: unknown option $1" >&2; exit 2 ;;
  esac
done
. perf/use-pinned-node.sh
work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
mkfifo "$work/stdin"
# The server stops when its stdin ends: hold the fifo open for the whole run.
exec 3<>"$work/stdin"
UV_THREADPOOL_SIZE=1 FASTGRPC_POOL_NICE=$nice taskset -c 0 node dist/perf/crypto-sign.js --role server --signing-threads "$threads" <&3 >"$work/ready" &
server=$!
for _ in $(seq 100); do [ -s "$work/ready" ] && break; sleep 0.1; done
url=$(sed -n 's/.*"url":"\([^"]*\)".*/\1/p' "$work/ready")
[ -n "$url" ] || { echo "crypto-thread-cpu: the server did not start" >&2; exit 1; }
load() { UV_THREADPOOL_SIZE=1 taskset -c 1 node dist/perf/crypto-sign.js --role load --target "$url" --algorithms "$algorithm" --seconds "$1" --in-flight "$inflight" | tail -1; }
snapshot() {
  for task in /proc/"$server"/task/*; do
    read -r -a stat <"$task/stat" || continue
    echo "${task##*/} $(cat "$task/comm") ${stat[13]} ${stat[14]} $(awk '/^voluntary/{print $2}' "$task/status") $(awk '/^nonvoluntary/{print $2}' "$task/status")"
  done | sort
}
load 1 >/dev/null
snapshot >"$work/before"
result=$(load "$seconds")
snapshot >"$work/after"
calls=$(node -e "console.log(JSON.parse(process.argv[1]).rate * $seconds)" "$result")
tick=$(getconf CLK_TCK)
echo "signing threads $threads, nice $nice, $algorithm, $inflight in flight, $seconds s: $result"
join "$work/before" "$work/after" | awk -v n="$calls" -v tick="$tick" '{
  user = ($8 - $3) * 1e6 / tick / n; sys = ($9 - $4) * 1e6 / tick / n
  if (user + sys > 0) printf "  %-14s user %6.1f us/call  sys %5.1f us/call  voluntary %.2f/call  involuntary %.2f/call\n", $2, user, sys, ($10 - $5) / n, ($11 - $6) / n
}'
