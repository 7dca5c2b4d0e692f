#!/usr/bin/env python3
"""An external gRPC client for fastgrpc: Debian's python3-grpcio (gRPC's C core) and python3-protobuf.

It knows nothing of fastgrpc's .proto files. The health and reflection message types are declared here from the
published grpc.health.v1 / grpc.reflection.v1(alpha) definitions; everything else is learnt through reflection,
as grpcurl does: list the services, fetch the file that defines EchoService with its dependencies, build the
message classes from those descriptors, and call Echo with them.

Usage: python_grpc_client.py HOST:PORT   -> prints one JSON object with what it saw; exit 0 unless it crashed.
"""
import json
import sys

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

FDP = descriptor_pb2.FieldDescriptorProto


def message_class(pool, full_name):
    descriptor = pool.FindMessageTypeByName(full_name)
    if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
        return message_factory.GetMessageClass(descriptor)
    return message_factory.MessageFactory(pool).GetPrototype(descriptor)


def field(message, name, number, kind, type_name=None, repeated=False, oneof=None):
    f = message.field.add(name=name, number=number, type=kind,
                          label=FDP.LABEL_REPEATED if repeated else FDP.LABEL_OPTIONAL)
    if type_name:
        f.type_name = type_name
    if oneof is not None:
        f.oneof_index = oneof


def health_file():
    file = descriptor_pb2.FileDescriptorProto(name="grpc/health/v1/health.proto", package="grpc.health.v1", syntax="proto3")
    request = file.message_type.add(name="HealthCheckRequest")
    field(request, "service", 1, FDP.TYPE_STRING)
    response = file.message_type.add(name="HealthCheckResponse")
    status = response.enum_type.add(name="ServingStatus")
    for number, name in enumerate(["UNKNOWN", "SERVING", "NOT_SERVING", "SERVICE_UNKNOWN"]):
        status.value.add(name=name, number=number)
    field(response, "status", 1, FDP.TYPE_ENUM, ".grpc.health.v1.HealthCheckResponse.ServingStatus")
    return file


def reflection_file(package):
    p = "." + package + "."
    file = descriptor_pb2.FileDescriptorProto(name=package.replace(".", "/") + "/reflection.proto", package=package, syntax="proto3")
    request = file.message_type.add(name="ServerReflectionRequest")
    request.oneof_decl.add(name="message_request")
    field(request, "host", 1, FDP.TYPE_STRING)
    field(request, "file_by_filename", 3, FDP.TYPE_STRING, oneof=0)
    field(request, "file_containing_symbol", 4, FDP.TYPE_STRING, oneof=0)
    field(request, "file_containing_extension", 5, FDP.TYPE_MESSAGE, p + "ExtensionRequest", oneof=0)
    field(request, "all_extension_numbers_of_type", 6, FDP.TYPE_STRING, oneof=0)
    field(request, "list_services", 7, FDP.TYPE_STRING, oneof=0)
    extension = file.message_type.add(name="ExtensionRequest")
    field(extension, "containing_type", 1, FDP.TYPE_STRING)
    field(extension, "extension_number", 2, FDP.TYPE_INT32)
    response = file.message_type.add(name="ServerReflectionResponse")
    response.oneof_decl.add(name="message_response")
    field(response, "valid_host", 1, FDP.TYPE_STRING)
    field(response, "original_request", 2, FDP.TYPE_MESSAGE, p + "ServerReflectionRequest")
    field(response, "file_descriptor_response", 4, FDP.TYPE_MESSAGE, p + "FileDescriptorResponse", oneof=0)
    field(response, "all_extension_numbers_response", 5, FDP.TYPE_MESSAGE, p + "ExtensionNumberResponse", oneof=0)
    field(response, "list_services_response", 6, FDP.TYPE_MESSAGE, p + "ListServiceResponse", oneof=0)
    field(response, "error_response", 7, FDP.TYPE_MESSAGE, p + "ErrorResponse", oneof=0)
    files = file.message_type.add(name="FileDescriptorResponse")
    field(files, "file_descriptor_proto", 1, FDP.TYPE_BYTES, repeated=True)
    numbers = file.message_type.add(name="ExtensionNumberResponse")
    field(numbers, "base_type_name", 1, FDP.TYPE_STRING)
    field(numbers, "extension_number", 2, FDP.TYPE_INT32, repeated=True)
    services = file.message_type.add(name="ListServiceResponse")
    field(services, "service", 1, FDP.TYPE_MESSAGE, p + "ServiceResponse", repeated=True)
    service = file.message_type.add(name="ServiceResponse")
    field(service, "name", 1, FDP.TYPE_STRING)
    error = file.message_type.add(name="ErrorResponse")
    field(error, "error_code", 1, FDP.TYPE_INT32)
    field(error, "error_message", 2, FDP.TYPE_STRING)
    return file


def unary(channel, path, request, response_class, timeout=5):
    call = channel.unary_unary(path, request_serializer=lambda m: m.SerializeToString(),
                               response_deserializer=response_class.FromString)
    return call(request, timeout=timeout)


def health(channel, pool, out):
    Request = message_class(pool, "grpc.health.v1.HealthCheckRequest")
    Response = message_class(pool, "grpc.health.v1.HealthCheckResponse")
    name = lambda status: Response.DESCRIPTOR.enum_types_by_name["ServingStatus"].values_by_number[status].name
    out["check_server"] = name(unary(channel, "/grpc.health.v1.Health/Check", Request(service=""), Response).status)
    out["check_echo"] = name(unary(channel, "/grpc.health.v1.Health/Check", Request(service="fastgrpc.echo.v1.EchoService"), Response).status)
    try:
        unary(channel, "/grpc.health.v1.Health/Check", Request(service="no.such.Service"), Response)
        out["check_unknown"] = "OK"
    except grpc.RpcError as error:
        out["check_unknown"] = error.code().name
    watch = channel.unary_stream("/grpc.health.v1.Health/Watch", request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=Response.FromString)
    stream = watch(Request(service="no.such.Service"), timeout=5)
    out["watch_unknown_first"] = name(next(stream).status)
    stream.cancel()


def reflection(channel, pool, package, out):
    Request = message_class(pool, package + ".ServerReflectionRequest")
    Response = message_class(pool, package + ".ServerReflectionResponse")
    info = channel.stream_stream("/" + package + ".ServerReflection/ServerReflectionInfo",
                                 request_serializer=lambda m: m.SerializeToString(),
                                 response_deserializer=Response.FromString)
    requests = [Request(host="", list_services=""),
                Request(host="", file_containing_symbol="fastgrpc.echo.v1.EchoService"),
                Request(host="", file_containing_symbol="no.such.Symbol")]
    responses = list(info(iter(requests), timeout=5))
    result = {"services": [s.name for s in responses[0].list_services_response.service]}
    files = [descriptor_pb2.FileDescriptorProto.FromString(raw) for raw in responses[1].file_descriptor_response.file_descriptor_proto]
    result["files"] = [f.name for f in files]
    result["unknown_symbol_error"] = responses[2].error_response.error_code
    out[package] = result
    return files


def call_echo_through_reflection(channel, files, out):
    """What grpcurl does: types from the reflected descriptors only, then a real call."""
    pool = descriptor_pool.DescriptorPool()
    for file in files:
        pool.Add(file)
    service = pool.FindServiceByName("fastgrpc.echo.v1.EchoService")
    method = service.methods_by_name["Echo"]
    Request = message_class(pool, method.input_type.full_name)
    Response = message_class(pool, method.output_type.full_name)
    reply = unary(channel, "/fastgrpc.echo.v1.EchoService/Echo", Request(payload=b"from python via reflection"), Response)
    out["echo_methods"] = sorted(service.methods_by_name.keys())
    out["echo_reply"] = reply.payload.decode()
    stream_method = service.methods_by_name["EchoStream"]
    StreamRequest = message_class(pool, stream_method.input_type.full_name)
    StreamResponse = message_class(pool, stream_method.output_type.full_name)
    echo_stream = channel.stream_stream("/fastgrpc.echo.v1.EchoService/EchoStream",
                                        request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=StreamResponse.FromString)
    replies = echo_stream(iter([StreamRequest(payload=str(i).encode()) for i in range(5)]), timeout=5)
    out["echo_stream_replies"] = [r.payload.decode() for r in replies]


def main():
    target = sys.argv[1]
    pool = descriptor_pool.DescriptorPool()
    for file in (health_file(), reflection_file("grpc.reflection.v1"), reflection_file("grpc.reflection.v1alpha")):
        pool.Add(file)
    out = {"grpcio": grpc.__version__}
    with grpc.insecure_channel(target) as channel:
        grpc.channel_ready_future(channel).result(timeout=5)
        health(channel, pool, out)
        reflection(channel, pool, "grpc.reflection.v1alpha", out)
        files = reflection(channel, pool, "grpc.reflection.v1", out)
        call_echo_through_reflection(channel, files, out)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
