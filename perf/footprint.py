#!/usr/bin/env python3
"""Memory of a group of processes, counted so that a page shared between them counts once.

    python3 perf/footprint.py PID...

Summing RSS counts the node binary's pages (code and read-only data, ~35-50 MB per process, the same physical pages
in every node process) once per process. This prints, per process, RSS, its private part (anonymous: the JS heap,
malloc) and its shared part (mostly the node binary), then for the group: the sum of RSS and the group's resident
memory with each physical page counted once (the union of the page frames the processes map, from
/proc/PID/pagemap; needs root, which reads the frame numbers). Linux only.
"""
import os
import struct
import sys

PAGE = os.sysconf("SC_PAGE_SIZE")


def rollup(pid):
    fields = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[2] == "kB":
                fields[parts[0].rstrip(":")] = int(parts[1])
    return fields


def mapped_ranges(pid):
    """(start, end) of each mapping with resident pages (a node process reserves gigabytes it never touches)."""
    ranges, current = [], None
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and not head[0].endswith(":"):
                start, end = (int(x, 16) for x in head[0].split("-"))
                current = (start, end)
            elif head[0] == "Rss:" and current is not None and int(head[1]) > 0:
                ranges.append(current)
    return ranges


def frames(pid):
    """Physical frame numbers of every resident page of the process (None if they read as 0: not root)."""
    found = set()
    with open(f"/proc/{pid}/pagemap", "rb") as pagemap:
        for start, end in mapped_ranges(pid):
            pagemap.seek(start // PAGE * 8)
            data = pagemap.read((end - start) // PAGE * 8)
            for (entry,) in struct.iter_unpack("<Q", data):
                if entry >> 63 & 1:  # present in RAM
                    found.add(entry & ((1 << 55) - 1))
    if found == {0}:
        return None
    return found


def main(pids):
    union, exact = set(), True
    total_rss = 0
    print(f"{'pid':<8} {'RSS MB':>8} {'private MB':>11} {'shared MB':>10}")
    for pid in pids:
        r = rollup(pid)
        private = r.get("Private_Clean", 0) + r.get("Private_Dirty", 0)
        shared = r.get("Shared_Clean", 0) + r.get("Shared_Dirty", 0)
        total_rss += r["Rss"]
        print(f"{pid:<8} {r['Rss'] / 1024:>8.1f} {private / 1024:>11.1f} {shared / 1024:>10.1f}")
        got = frames(pid) if exact else None
        if got is None:
            exact = False
        else:
            union |= got
    print(f"sum of RSS: {total_rss / 1024:.1f} MB")
    if exact:
        print(f"resident, each page once: {len(union) * PAGE / 1048576:.1f} MB")
    else:
        print("resident, each page once: unknown (reading page frames needs root)")


if __name__ == "__main__":
    main([int(p) for p in sys.argv[1:]])
