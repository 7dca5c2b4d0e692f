"""Medians of several perf/compare/run.sh passes as the sweep table of docs/benchmarks.md.

    python3 perf/compare/sweep-medians.py RUN_OUTPUT...      # the passes' output, one file or several

Each cell is the median of its runs over the passes: requests/s per server (fastgrpc, raw node:http2, C++ gRPC,
@grpc/grpc-js), fastgrpc's ratio to the best of the others, the servers' CPU per call, and fastgrpc's runs in pass
order. A cell that run.sh marked "short" (the server did not echo) counts as 0 calls/s; "-" where no run answered.
The table's header is the one perf/sweep-plot.ts reads, so the plot can be drawn from it.
"""
import collections
import statistics
import sys

SERVERS = ("fastgrpc", "raw", "cpp", "grpc-js")
OTHERS = SERVERS[1:]
SCENARIOS = ("1x1", "1x16", "1x100")


def label(size):
    if size >= 1 << 20:
        return f"{size >> 20} MiB"
    if size >= 1 << 10:
        return f"{size >> 10} KiB"
    return f"{size} B"


def number(value):
    return f"{value:,.0f}"


def main():
    runs = collections.defaultdict(list)  # (size, scenario, server) -> [(req/s, us/call)]
    for path in sys.argv[1:]:
        for line in open(path):
            cells = line.split()
            # server bytes scenario req/s mean p99 failed us/call grpc-status
            if len(cells) != 9 or cells[0] not in SERVERS or not cells[1].isdigit():
                continue
            rate = 0.0 if cells[8] == "short" else float(cells[3])
            runs[(int(cells[1]), cells[2], cells[0])].append((rate, float(cells[7])))
    print("| payload | scenario | fastgrpc req/s | raw node:http2 req/s | C++ gRPC req/s | grpc-js req/s "
          "| fastgrpc / best other | server CPU us/call (fastgrpc / raw / C++ / grpc-js) | fastgrpc's runs |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    sizes = sorted({size for size, _, _ in runs})
    for scenario in SCENARIOS:
        for size in sizes:
            cells = {server: runs.get((size, scenario, server), []) for server in SERVERS}
            if not cells["fastgrpc"]:
                continue
            rate = {s: statistics.median(r for r, _ in v) if v else 0.0 for s, v in cells.items()}
            cpu = {s: statistics.median(c for _, c in v) if v else 0.0 for s, v in cells.items()}
            best = max(rate[s] for s in OTHERS)
            ratio = f"{rate['fastgrpc'] / best:.2f}x" if best > 0 else "-"
            rates = " | ".join(number(rate[s]) if cells[s] else "-" for s in SERVERS)
            cpus = " / ".join(f"{cpu[s]:,.1f}" if cells[s] else "-" for s in SERVERS)
            print(f"| {label(size)} | {scenario} | {rates} | {ratio} | {cpus} | "
                  f"{', '.join(number(r) for r, _ in cells['fastgrpc'])} |")


if __name__ == "__main__":
    main()
