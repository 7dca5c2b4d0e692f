#!/usr/bin/env python3
"""One gRPC frame for h2load's -d: uncompressed, EchoRequest{payload = N bytes of "x"} = 0x0a, varint N, N bytes.

    python3 perf/compare/echo-request.py SIZE FILE
"""
import sys

n = int(sys.argv[1])
varint, v = bytearray(), n
while v > 0x7F:
    varint.append((v & 0x7F) | 0x80)
    v >>= 7
varint.append(v)
message = b"\x0a" + bytes(varint) + b"x" * n
with open(sys.argv[2], "wb") as out:
    out.write(b"\x00" + len(message).to_bytes(4, "big") + message)
