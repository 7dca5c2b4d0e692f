#!/usr/bin/env bash
# Memory footprint of fastgrpc-server: resident memory (VmRSS from /proc/PID/status) of the primary and of each
# worker, idle after start-up, then with N idle HTTP/2 connections held open on loopback.
#
#   bash perf/footprint.sh [--connections N] [--settle S] [--sign-first] [-- SERVER OPTIONS...]
#   bash perf/footprint.sh -- --workers 1                     # one serving process
#   bash perf/footprint.sh -- --workers 2                     # the default server on 2 cores
#   bash perf/footprint.sh -- --workers 1 --signing-threads 0
#
# --sign-first makes one Sign call before the idle reading (the signing threads start at the first Sign).
# Prints one line per process (pid, role, RSS idle, RSS with the connections, the difference) and the totals.
# Also prints a bare `node -e` process's RSS for reference and, through perf/footprint.py, the server's resident
# memory with each physical page counted once (the sum of RSS counts the node binary's shared pages once per
# process). Linux only; needs a build (make build); the page-once figure needs root and python3.
set -euo pipefail
cd "$(dirname "$0")/.."
connections=1000 settle=2 sign_first=""
while [ $# -gt 0 ]; do
  case "$1" in
    --connections) connections=$2; shift 2 ;;
    --settle) settle=$2; shift 2 ;;
    --sign-first) sign_first=1; shift ;;
    --) shift; break ;;
    *) echo "footprint: unknown option $1 (server options go after --)" >&2; exit 2 ;;
  esac
done
. perf/use-pinned-node.sh
. perf/lib/idle-connections.sh

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
# The server and its workers: the primary, then its children (node:cluster forks).
processes() { echo "$server"; cat "/proc/$server/task/"*/children 2>/dev/null | tr ' ' '\n' | grep -v '^$' | sort -n || true; }

node -e 'setTimeout(() => { process.stdout.write(require("fs").readFileSync("/proc/self/status", "utf8").match(/VmRSS:\s+(\d+)/)[1]); }, 500)' >"$work/bare"

node dist/bin/server.js --listen tcp://127.0.0.1:0 --log-level warn "$@" >"$work/log" 2>&1 &
server=$!
target=$(wait_listening)
if [ -n "$sign_first" ]; then
  node dist/bin/client.js sign --target "$target" --key-type ec-p256 --algorithm ecdsa-p256-sha256-asn1 --data footprint >/dev/null
fi
sleep "$settle"
mapfile -t pids < <(processes)
declare -A idle
for pid in "${pids[@]}"; do idle[$pid]=$(rss_kb "$pid"); done
once() { command -v python3 >/dev/null && python3 perf/footprint.py "${pids[@]}" 2>/dev/null | sed -n 's/^resident, each page once: //p' || echo unknown; }
once_idle=$(once)

hold_idle_connections "$target" "$connections"
sleep "$settle"
once_busy=$(once)

printf '%-8s %-8s %10s %14s %8s\n' pid role "idle MB" "+${connections} conn MB" "delta"
total_idle=0 total_busy=0
for pid in "${pids[@]}"; do
  role=worker; [ "$pid" = "$server" ] && role=primary
  [ "${#pids[@]}" -eq 1 ] && role=single
  busy=$(rss_kb "$pid")
  total_idle=$((total_idle + idle[$pid])) total_busy=$((total_busy + busy))
  awk -v p="$pid" -v r="$role" -v a="${idle[$pid]}" -v b="$busy" 'BEGIN { printf "%-8s %-8s %10.1f %14.1f %+8.1f\n", p, r, a/1024, b/1024, (b-a)/1024 }'
done
awk -v a="$total_idle" -v b="$total_busy" 'BEGIN { printf "%-8s %-8s %10.1f %14.1f %+8.1f\n", "", "total", a/1024, b/1024, (b-a)/1024 }'
echo "resident, each page once (perf/footprint.py): idle $once_idle, with ${connections} connections $once_busy"
awk -v k="$(cat "$work/bare")" 'BEGIN { printf "bare node: %.1f MB\n", k/1024 }'
echo "options: $*${sign_first:+ (after one Sign)}"
