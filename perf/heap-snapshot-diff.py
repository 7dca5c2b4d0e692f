"""The difference between two V8 heap snapshots by object type and constructor, per connection.

    python3 perf/heap-snapshot-diff.py BEFORE.heapsnapshot AFTER.heapsnapshot CONNECTIONS [TOP]

Used by perf/heap-per-connection.sh. Objects are grouped by type and name (constructor for objects, function name
for closures); the total is the growth of the whole heap, divided by CONNECTIONS for the per-connection figure.
"""
import collections
import json
import sys

NAMED_TYPES = ("object", "closure", "native", "hidden", "array", "code")


def sizes(path):
    snapshot = json.load(open(path))
    meta = snapshot["snapshot"]["meta"]
    fields = meta["node_fields"]
    types = meta["node_types"][0]
    strings = snapshot["strings"]
    nodes = snapshot["nodes"]
    width, type_at, name_at, size_at = len(fields), fields.index("type"), fields.index("name"), fields.index("self_size")
    bytes_by_key, count_by_key = collections.Counter(), collections.Counter()
    for i in range(0, len(nodes), width):
        kind = types[nodes[i + type_at]]
        key = f"{kind}:{strings[nodes[i + name_at]]}" if kind in NAMED_TYPES else kind
        bytes_by_key[key] += nodes[i + size_at]
        count_by_key[key] += 1
    return bytes_by_key, count_by_key


def main():
    before, before_count = sizes(sys.argv[1])
    after, after_count = sizes(sys.argv[2])
    connections = int(sys.argv[3])
    top = int(sys.argv[4]) if len(sys.argv) > 4 else 30
    rows = sorted(((after[k] - before.get(k, 0), after_count[k] - before_count.get(k, 0), k) for k in after), reverse=True)
    total = sum(after.values()) - sum(before.values())
    print(f"heap growth: {total / 1e6:.2f} MB for {connections} connections, {total / connections:.0f} bytes each")
    print(f"{'bytes each':>10} {'objects each':>12}  type:name")
    for grown, count, key in rows[:top]:
        print(f"{grown / connections:10.0f} {count / connections:12.2f}  {key[:90]}")


if __name__ == "__main__":
    main()
