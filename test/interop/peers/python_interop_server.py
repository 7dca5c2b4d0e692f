#!/usr/bin/env python3
"""The Python grpcio interop server peer: grpc.testing.TestService on Debian's python3-grpcio (gRPC's C core)
through generic handlers; the library, not fastgrpc, decides every protocol behaviour.

Flags: --port=N --descriptor_set=FILE [--use_tls=true --tls_cert_file=F --tls_key_file=F]. Prints
"listening on PORT". Gap: a grpcio servicer cannot see whether a request arrived compressed, so expect_compressed
is not checked. Responses are compressed per call (set_compression) and per message (disable_next_message_compression).
"""
import signal
import sys
import threading
import time
from concurrent import futures

import grpc

from interop_messages import flags, messages_from_flags

INITIAL = "x-grpc-test-echo-initial"
TRAILING = "x-grpc-test-echo-trailing-bin"
CODES = {status.value[0]: status for status in grpc.StatusCode}

options = flags(sys.argv[1:])
M = messages_from_flags(options)


def echo_metadata(context):
    received = dict(context.invocation_metadata())
    if INITIAL in received:
        context.send_initial_metadata([(INITIAL, received[INITIAL])])
    if TRAILING in received:
        context.set_trailing_metadata([(TRAILING, received[TRAILING])])


def answer_status(context, request):
    if request.HasField("response_status") and request.response_status.code != 0:
        context.abort(CODES[request.response_status.code], request.response_status.message)


def payload(size):
    return M.Payload(body=bytes(size))


def respond(context, parameters, compressing):
    for parameter in parameters:
        if parameter.interval_us > 0:
            time.sleep(parameter.interval_us / 1e6)
        if compressing and not parameter.compressed.value:
            context.disable_next_message_compression()
        yield M.StreamingOutputCallResponse(payload=payload(parameter.size))


def any_compressed(parameters):
    return any(parameter.compressed.value for parameter in parameters)


def empty_call(request, context):
    echo_metadata(context)
    return M.Empty()


def unary_call(request, context):
    echo_metadata(context)
    answer_status(context, request)
    if request.response_compressed.value:
        context.set_compression(grpc.Compression.Gzip)
    return M.SimpleResponse(payload=payload(request.response_size))


def streaming_output_call(request, context):
    echo_metadata(context)
    compressing = any_compressed(request.response_parameters)
    if compressing:
        context.set_compression(grpc.Compression.Gzip)
    yield from respond(context, request.response_parameters, compressing)
    answer_status(context, request)


def streaming_input_call(request_iterator, context):
    echo_metadata(context)
    size = sum(len(request.payload.body) for request in request_iterator)
    return M.StreamingInputCallResponse(aggregated_payload_size=size)


def full_duplex_call(request_iterator, context):
    echo_metadata(context)
    compressing = None
    for request in request_iterator:
        if compressing is None:
            compressing = any_compressed(request.response_parameters)
            if compressing:
                context.set_compression(grpc.Compression.Gzip)
        answer_status(context, request)
        yield from respond(context, request.response_parameters, compressing)


def half_duplex_call(request_iterator, context):
    requests = list(request_iterator)
    yield from full_duplex_call(iter(requests), context)


def handler(kind, function, request, response):
    make = {"uu": grpc.unary_unary_rpc_method_handler, "us": grpc.unary_stream_rpc_method_handler,
            "su": grpc.stream_unary_rpc_method_handler, "ss": grpc.stream_stream_rpc_method_handler}[kind]
    return make(function, request_deserializer=request.FromString, response_serializer=response.SerializeToString)


service = grpc.method_handlers_generic_handler("grpc.testing.TestService", {
    "EmptyCall": handler("uu", empty_call, M.Empty, M.Empty),
    "UnaryCall": handler("uu", unary_call, M.SimpleRequest, M.SimpleResponse),
    "CacheableUnaryCall": handler("uu", unary_call, M.SimpleRequest, M.SimpleResponse),
    "StreamingOutputCall": handler("us", streaming_output_call, M.StreamingOutputCallRequest, M.StreamingOutputCallResponse),
    "StreamingInputCall": handler("su", streaming_input_call, M.StreamingInputCallRequest, M.StreamingInputCallResponse),
    "FullDuplexCall": handler("ss", full_duplex_call, M.StreamingOutputCallRequest, M.StreamingOutputCallResponse),
    "HalfDuplexCall": handler("ss", half_duplex_call, M.StreamingOutputCallRequest, M.StreamingOutputCallResponse),
})

server = grpc.server(futures.ThreadPoolExecutor(max_workers=32), handlers=[service])
address = "127.0.0.1:" + options.get("port", "0")
if options.get("use_tls") == "true":
    with open(options["tls_key_file"], "rb") as key, open(options["tls_cert_file"], "rb") as cert:
        port = server.add_secure_port(address, grpc.ssl_server_credentials([(key.read(), cert.read())]))
else:
    port = server.add_insecure_port(address)
server.start()
print("listening on %d" % port, flush=True)
stop = threading.Event()
signal.signal(signal.SIGTERM, lambda *_: stop.set())
signal.signal(signal.SIGINT, lambda *_: stop.set())
stop.wait()
server.stop(0.5).wait()
