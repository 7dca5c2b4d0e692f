# Sourced by perf/footprint.sh and perf/heap-per-connection.sh (from the repository root, after
# perf/use-pinned-node.sh): a scratch directory ($work), the server and the idle-connection holder they start
# ($server, $holder), and their cleanup when the script exits.
work=$(mktemp -d)
server="" holder=""
cleanup() {
  [ -n "$holder" ] && kill "$holder" 2>/dev/null || true
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# wait_listening: waits up to 30 s for the server ($server, logging to $work/log) to say "listening on", then prints
# its first tcp:// URL. Exits the script if the server exits or does not start.
wait_listening() {
  for _ in $(seq 1 300); do
    grep -q "listening on" "$work/log" && break
    kill -0 "$server" 2>/dev/null || { echo "$(basename "$0"): the server exited:" >&2; cat "$work/log" >&2; exit 1; }
    sleep 0.1
  done
  grep -q "listening on" "$work/log" || { echo "$(basename "$0"): the server did not start" >&2; exit 1; }
  grep -o "listening on tcp://[^ ]*" "$work/log" | head -1 | cut -d" " -f3
}

# hold_idle_connections TARGET COUNT: COUNT idle HTTP/2 connections to TARGET (perf/idle-connections.ts), held until
# the script exits; returns once the server has set up every one of them.
hold_idle_connections() {
  mkfifo "$work/hold"
  exec 3<>"$work/hold"
  node dist/perf/idle-connections.js --target "$1" --connections "$2" <&3 >"$work/holder" 2>&1 &
  holder=$!
  for _ in $(seq 1 600); do
    grep -q "^ready" "$work/holder" && return 0
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.1
  done
  echo "$(basename "$0"): the connection holder failed:" >&2
  cat "$work/holder" >&2
  exit 1
}
