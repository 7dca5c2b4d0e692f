#!/usr/bin/env python3
"""A gRPC client no one here wrote (Debian's python3-grpcio: gRPC's C core) calling fastgrpc through a proxy.

Each case is one call whose status the test checks; the messages are encoded by hand (no .proto needed):
EchoRequest {bytes payload = 1}, Chunk {uint32 index = 1; bytes payload = 2}.

Usage: python_proxy_client.py HOST:PORT [--ca FILE] CASE...
Prints one JSON object: {case: {"code": "OK" | status name, "details": str}}; exit 0 unless it crashed.
"""
import json
import sys
import time

import grpc

ECHO = "/fastgrpc.echo.v1.EchoService/Echo"
SUM = "/fastgrpc.test.v1.StreamTestService/Sum"
PIPE = "/fastgrpc.test.v1.StreamTestService/Pipe"
MIB = 1024 * 1024


def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def echo_request(payload):
    return b"\x0a" + varint(len(payload)) + payload


def chunk(index, payload):
    return b"\x08" + varint(index) + b"\x12" + varint(len(payload)) + payload


def identity(x):
    return x


def unary(channel, path, request):
    return channel.unary_unary(path, request_serializer=identity, response_deserializer=identity)(request, timeout=30)


def client_stream(channel, path, requests):
    return channel.stream_unary(path, request_serializer=identity, response_deserializer=identity)(requests, timeout=30)


def fail_early_then_keep_sending():
    yield chunk(999, b"")  # the server fails the call on this one
    for i in range(64):
        yield chunk(i, b"x" * (64 * 1024))


def slow_stream():
    for i in range(400):  # up to 20 s: the server shuts down meanwhile
        yield chunk(i, b"y" * 1024)
        time.sleep(0.05)


def pipelined_bidi(channel):
    """Three 4 MiB messages sent without waiting for their echoes; fails unless all three come back."""
    pipe = channel.stream_stream(PIPE, request_serializer=identity, response_deserializer=identity)
    echoed = list(pipe((chunk(i, bytes([i]) * (4 * MIB)) for i in range(3)), timeout=30))
    # Each echo is the chunk re-encoded by the server (index 0, the default, is left out): 4 MiB and a few bytes.
    if len(echoed) != 3 or any(not (4 * MIB < len(e) < 4 * MIB + 16) or e[-1] != i for i, e in enumerate(echoed)):
        raise RuntimeError("echoes missing or cut: %r" % [len(e) for e in echoed])


CASES = {
    "echo": lambda ch: unary(ch, ECHO, echo_request(b"through the proxy")),
    "too_large": lambda ch: unary(ch, ECHO, echo_request(b"z" * (6 * MIB))),
    "unknown_method": lambda ch: unary(ch, "/no.such.Service/Method", b""),
    "status_error": lambda ch: unary(ch, ECHO, echo_request(b"status:9:failed by the handler")),
    "handler_error_early": lambda ch: client_stream(ch, SUM, fail_early_then_keep_sending()),
    "shutdown_in_flight": lambda ch: client_stream(ch, SUM, slow_stream()),
    "pipelined_bidi": pipelined_bidi,
}


def main():
    args = sys.argv[1:]
    target = args.pop(0)
    ca = None
    if args and args[0] == "--ca":
        args.pop(0)
        with open(args.pop(0), "rb") as f:
            ca = f.read()
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    if ca is None:
        channel = grpc.insecure_channel(target, options=options)
    else:
        options.append(("grpc.ssl_target_name_override", "localhost"))
        channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=ca), options=options)
    seen = {}
    for case in args:
        try:
            CASES[case](channel)
            seen[case] = {"code": "OK", "details": ""}
        except grpc.RpcError as e:
            seen[case] = {"code": e.code().name, "details": e.details() or ""}
    channel.close()
    print(json.dumps(seen))


if __name__ == "__main__":
    main()
