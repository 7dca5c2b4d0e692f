#!/usr/bin/env python3
"""The Python grpcio interop client peer: gRPC's interop cases on Debian's python3-grpcio (gRPC's C core).

Flags: --server_host= --server_port= --test_case=NAME|a,b|all --descriptor_set=FILE [--use_tls=true --ca_file=
--server_host_override=]. One line per case: "PASS name (N ms)", "FAIL name: why" or "SKIP name: why" (a case
grpcio cannot express). Gaps: grpcio compresses every message of a call or none (client_compressed_streaming needs
one of each: SKIP), and does not expose a response's compressed flag (server_compressed_* check the answers only).
"""
import queue
import sys
import time

import grpc

from interop_messages import flags, messages_from_flags

options = flags(sys.argv[1:])
M = messages_from_flags(options)
target = "%s:%s" % (options.get("server_host", "localhost"), options.get("server_port", ""))
channel_options = []
if options.get("server_host_override"):
    channel_options.append(("grpc.ssl_target_name_override", options["server_host_override"]))
if options.get("use_tls") == "true":
    root = open(options["ca_file"], "rb").read() if options.get("ca_file") else None
    channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(root_certificates=root), channel_options)
else:
    channel = grpc.insecure_channel(target, channel_options)

T = "/grpc.testing.TestService/"
empty_call = channel.unary_unary(T + "EmptyCall", M.Empty.SerializeToString, M.Empty.FromString)
unary_call = channel.unary_unary(T + "UnaryCall", M.SimpleRequest.SerializeToString, M.SimpleResponse.FromString)
unimplemented_call = channel.unary_unary(T + "UnimplementedCall", M.Empty.SerializeToString, M.Empty.FromString)
unimplemented_service = channel.unary_unary("/grpc.testing.UnimplementedService/UnimplementedCall", M.Empty.SerializeToString, M.Empty.FromString)
streaming_output = channel.unary_stream(T + "StreamingOutputCall", M.StreamingOutputCallRequest.SerializeToString, M.StreamingOutputCallResponse.FromString)
streaming_input = channel.stream_unary(T + "StreamingInputCall", M.StreamingInputCallRequest.SerializeToString, M.StreamingInputCallResponse.FromString)
full_duplex = channel.stream_stream(T + "FullDuplexCall", M.StreamingOutputCallRequest.SerializeToString, M.StreamingOutputCallResponse.FromString)

SIZES_IN = [27182, 8, 1828, 45904]
SIZES_OUT = [31415, 9, 2653, 58979]
SPECIAL = "\t\ntest with whitespace\r\nand Unicode BMP \u263a and non-BMP \U0001f608\t\n"
ECHO = [("x-grpc-test-echo-initial", "test_initial_metadata_value"), ("x-grpc-test-echo-trailing-bin", b"\xab\xab\xab")]


class Failure(Exception):
    pass


class Skip(Exception):
    pass


def check(condition, why):
    if not condition:
        raise Failure(why)


def zeros(payload, size, what):
    check(len(payload.body) == size and not any(payload.body), "%s: expected %d zero bytes, got %d" % (what, size, len(payload.body)))


def large(**extra):
    return M.SimpleRequest(response_size=314159, payload=M.Payload(body=bytes(271828)), **extra)


def expect_code(run, code, what, details=None):
    try:
        run()
    except grpc.RpcError as error:
        check(error.code() == code, "%s: got %s %r, expected %s" % (what, error.code(), error.details(), code))
        if details is not None:
            check(error.details() == details, "%s: details %r, expected %r" % (what, error.details(), details))
        return
    raise Failure("%s: succeeded, expected %s" % (what, code))


class Pipe:
    """A request iterator the case feeds one message at a time."""
    def __init__(self):
        self.q = queue.Queue()

    def add(self, message):
        self.q.put(message)

    def close(self):
        self.q.put(None)

    def __iter__(self):
        return self

    def __next__(self):
        item = self.q.get()
        if item is None:
            raise StopIteration
        return item


def check_echo(initial, trailing, what):
    check(dict(initial).get("x-grpc-test-echo-initial") == "test_initial_metadata_value", "%s: initial metadata not echoed" % what)
    check(dict(trailing).get("x-grpc-test-echo-trailing-bin") == b"\xab\xab\xab", "%s: trailing -bin metadata not echoed" % what)


def large_unary():
    zeros(unary_call(large(), timeout=60).payload, 314159, "UnaryCall")


def case_empty_unary():
    check(isinstance(empty_call(M.Empty()), M.Empty), "not an Empty")


def case_client_streaming():
    reply = streaming_input(iter([M.StreamingInputCallRequest(payload=M.Payload(body=bytes(s))) for s in SIZES_IN]))
    check(reply.aggregated_payload_size == 74922, "aggregated_payload_size %d" % reply.aggregated_payload_size)


def case_server_streaming():
    request = M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=s) for s in SIZES_OUT])
    replies = list(streaming_output(request))
    check(len(replies) == 4, "%d responses" % len(replies))
    for i, reply in enumerate(replies):
        zeros(reply.payload, SIZES_OUT[i], "response %d" % i)


def case_ping_pong():
    pipe = Pipe()
    responses = full_duplex(pipe)
    for i in range(4):
        pipe.add(M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=SIZES_OUT[i])], payload=M.Payload(body=bytes(SIZES_IN[i]))))
        zeros(next(responses).payload, SIZES_OUT[i], "response %d" % i)
    pipe.close()
    check(next(responses, None) is None, "a response after the last request")


def case_empty_stream():
    check(len(list(full_duplex(iter([])))) == 0, "responses on an empty stream")


def case_custom_metadata():
    reply, call = unary_call.with_call(large(), metadata=ECHO)
    zeros(reply.payload, 314159, "UnaryCall")
    check_echo(call.initial_metadata(), call.trailing_metadata(), "UnaryCall")
    request = M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=314159)], payload=M.Payload(body=bytes(271828)))
    responses = full_duplex(iter([request]), metadata=ECHO)
    replies = list(responses)
    zeros(replies[0].payload, 314159, "FullDuplexCall")
    check_echo(responses.initial_metadata(), responses.trailing_metadata(), "FullDuplexCall")


def case_status_code_and_message():
    status = M.EchoStatus(code=2, message="test status message")
    expect_code(lambda: unary_call(M.SimpleRequest(response_status=status)), grpc.StatusCode.UNKNOWN, "UnaryCall", status.message)
    expect_code(lambda: list(full_duplex(iter([M.StreamingOutputCallRequest(response_status=status)]))),
                grpc.StatusCode.UNKNOWN, "FullDuplexCall", status.message)


def case_special_status_message():
    status = M.EchoStatus(code=2, message=SPECIAL)
    expect_code(lambda: unary_call(M.SimpleRequest(response_status=status)), grpc.StatusCode.UNKNOWN, "UnaryCall", SPECIAL)


def case_unimplemented_method():
    expect_code(lambda: unimplemented_call(M.Empty()), grpc.StatusCode.UNIMPLEMENTED, "TestService/UnimplementedCall")


def case_unimplemented_service():
    expect_code(lambda: unimplemented_service(M.Empty()), grpc.StatusCode.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall")


def case_cancel_after_begin():
    pipe = Pipe()
    future = streaming_input.future(pipe)
    future.cancel()
    check(future.cancelled(), "the call was not cancelled")
    check(future.code() == grpc.StatusCode.CANCELLED, "code %s" % future.code())
    pipe.close()


def case_cancel_after_first_response():
    pipe = Pipe()
    responses = full_duplex(pipe)
    pipe.add(M.StreamingOutputCallRequest(response_parameters=[M.ResponseParameters(size=31415)], payload=M.Payload(body=bytes(27182))))
    zeros(next(responses).payload, 31415, "first response")
    responses.cancel()
    expect_code(lambda: next(responses), grpc.StatusCode.CANCELLED, "FullDuplexCall cancelled after the first response")
    pipe.close()


def case_timeout_on_sleeping_server():
    pipe = Pipe()
    responses = full_duplex(pipe, timeout=0.001)
    pipe.add(M.StreamingOutputCallRequest(payload=M.Payload(body=bytes(27182))))
    expect_code(lambda: next(responses), grpc.StatusCode.DEADLINE_EXCEEDED, "FullDuplexCall with a 1 ms deadline")
    pipe.close()


def case_client_compressed_unary():
    expect_code(lambda: unary_call(large(expect_compressed=M.BoolValue(value=True))), grpc.StatusCode.INVALID_ARGUMENT, "probe")
    zeros(unary_call(large(expect_compressed=M.BoolValue(value=True)), compression=grpc.Compression.Gzip).payload, 314159, "compressed request")
    zeros(unary_call(large(expect_compressed=M.BoolValue(value=False)), compression=grpc.Compression.NoCompression).payload, 314159, "uncompressed request")


def case_server_compressed_unary():
    for value in [True, False]:
        zeros(unary_call(large(response_compressed=M.BoolValue(value=value))).payload, 314159, "response_compressed=%s" % value)
    return "the responses' compressed flags are not visible through grpcio: answers checked, compression not"


def case_client_compressed_streaming():
    raise Skip("grpcio compresses every message of a call or none; the case needs the first compressed and the second not")


def case_server_compressed_streaming():
    request = M.StreamingOutputCallRequest(response_parameters=[
        M.ResponseParameters(size=31415, compressed=M.BoolValue(value=True)),
        M.ResponseParameters(size=92653, compressed=M.BoolValue(value=False))])
    replies = list(streaming_output(request))
    check(len(replies) == 2, "%d responses" % len(replies))
    zeros(replies[0].payload, 31415, "response 0")
    zeros(replies[1].payload, 92653, "response 1")
    return "the responses' compressed flags are not visible through grpcio: answers checked, compression not"


def case_concurrent_large_unary():
    calls = [unary_call.future(large(), timeout=120) for _ in range(1000)]
    failed = 0
    first = None
    for call in calls:
        try:
            zeros(call.result().payload, 314159, "UnaryCall")
        except grpc.RpcError as error:
            failed += 1
            first = first or "%s %s" % (error.code(), error.details())
        except Failure as error:
            failed += 1
            first = first or str(error)
    check(failed == 0, "%d of 1000 calls failed, first: %s" % (failed, first))


CASES = {
    "empty_unary": case_empty_unary, "large_unary": large_unary, "client_streaming": case_client_streaming,
    "server_streaming": case_server_streaming, "ping_pong": case_ping_pong, "empty_stream": case_empty_stream,
    "custom_metadata": case_custom_metadata, "status_code_and_message": case_status_code_and_message,
    "special_status_message": case_special_status_message, "unimplemented_method": case_unimplemented_method,
    "unimplemented_service": case_unimplemented_service, "cancel_after_begin": case_cancel_after_begin,
    "cancel_after_first_response": case_cancel_after_first_response,
    "timeout_on_sleeping_server": case_timeout_on_sleeping_server,
    "client_compressed_unary": case_client_compressed_unary, "server_compressed_unary": case_server_compressed_unary,
    "client_compressed_streaming": case_client_compressed_streaming,
    "server_compressed_streaming": case_server_compressed_streaming,
    "concurrent_large_unary": case_concurrent_large_unary,
}

wanted = options.get("test_case", "all")
names = list(CASES) if wanted == "all" else wanted.split(",")
failures = 0
for name in names:
    run = CASES.get(name)
    if run is None:
        failures += 1
        print("FAIL %s: unknown test case" % name, flush=True)
        continue
    started = time.monotonic()
    try:
        note = run()
        print("PASS %s (%d ms)%s" % (name, (time.monotonic() - started) * 1000, " note: " + note if note else ""), flush=True)
    except Skip as skip:
        print("SKIP %s: %s" % (name, skip), flush=True)
    except Exception as error:  # a case's failure, whatever raised it, is one line
        failures += 1
        why = error.details() if isinstance(error, grpc.RpcError) else str(error)
        print("FAIL %s: %s" % (name, " ".join(str(why).split())), flush=True)
channel.close()
sys.exit(1 if failures else 0)
