"""google.rpc.Status in grpc-status-details-bin, read and written by Python grpcio (Google's C-core), for
test/interop/error-details-with-python-grpcio.test.ts. Message classes come from a FileDescriptorSet of
google/rpc/status.proto and error_details.proto (written by the test from fastgrpc's generated code).

  python_status_details.py client --port=N --descriptor_set=FILE   calls fastgrpc.echo.v1.EchoService/Echo, expects it
      to fail, prints one JSON line: the status code and message, and the Status decoded from the trailer
  python_status_details.py server --descriptor_set=FILE            serves Echo failing RESOURCE_EXHAUSTED with a Status
      holding an ErrorInfo (reason QUOTA), prints "listening on PORT"
"""
import json
import sys
from concurrent import futures

import grpc
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, duration_pb2, message_factory

from interop_messages import flags

DETAILS_KEY = "grpc-status-details-bin"
ECHO = "/fastgrpc.echo.v1.EchoService/Echo"


def classes(descriptor_set_path):
    with open(descriptor_set_path, "rb") as f:
        files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for well_known in (any_pb2, duration_pb2):  # what status.proto and error_details.proto import
        pool.Add(descriptor_pb2.FileDescriptorProto.FromString(well_known.DESCRIPTOR.serialized_pb))
    for file in files.file:
        pool.Add(file)

    def get(name):
        descriptor = pool.FindMessageTypeByName(name)
        if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
            return message_factory.GetMessageClass(descriptor)
        return message_factory.MessageFactory(pool).GetPrototype(descriptor)

    return get("google.rpc.Status"), get("google.rpc.ErrorInfo"), get("google.protobuf.Any")


def run_client(options, Status, ErrorInfo, _Any):
    channel = grpc.insecure_channel("127.0.0.1:%s" % options["port"])
    echo = channel.unary_unary(ECHO)  # bytes in, bytes out: the test only looks at the status
    try:
        echo(b"\x0a\x01x", timeout=10)
        print(json.dumps({"error": "the call succeeded"}))
        return 1
    except grpc.RpcError as error:
        raw = dict(error.trailing_metadata() or ()).get(DETAILS_KEY)
        out = {"code": error.code().name, "message": error.details(), "status": None}
        if raw is not None:
            status = Status.FromString(raw)
            details = []
            for packed in status.details:
                entry = {"type_url": packed.type_url}
                if packed.type_url.endswith("/google.rpc.ErrorInfo"):
                    info = ErrorInfo.FromString(packed.value)
                    entry.update({"reason": info.reason, "domain": info.domain, "metadata": dict(info.metadata)})
                details.append(entry)
            out["status"] = {"code": status.code, "message": status.message, "details": details}
        print(json.dumps(out))
        return 0
    finally:
        channel.close()


def run_server(Status, ErrorInfo, Any):
    info = ErrorInfo(reason="QUOTA", domain="python.example", metadata={"tier": "free"})
    packed = Any(type_url="type.googleapis.com/google.rpc.ErrorInfo", value=info.SerializeToString())
    status = Status(code=grpc.StatusCode.RESOURCE_EXHAUSTED.value[0], message="quota used up", details=[packed])

    def echo(request, context):
        context.abort_with_status(_RichStatus(status))

    handler = grpc.method_handlers_generic_handler("fastgrpc.echo.v1.EchoService", {"Echo": grpc.unary_unary_rpc_method_handler(echo)})
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2), handlers=[handler])
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    print("listening on %d" % port, flush=True)
    try:
        sys.stdin.read()  # the test closes stdin (or kills us) to stop
    finally:
        server.stop(0)
    return 0


class _RichStatus(grpc.Status):
    """What grpcio-status's rpc_status.to_status builds, without needing that package."""

    def __init__(self, status):
        self.code = next(code for code in grpc.StatusCode if code.value[0] == status.code)
        self.details = status.message
        self.trailing_metadata = ((DETAILS_KEY, status.SerializeToString()),)


def main(argv):
    if not argv or argv[0] not in ("client", "server"):
        sys.stderr.write("usage: python_status_details.py client|server --descriptor_set=FILE [--port=N]\n")
        return 2
    options = flags(argv[1:])
    Status, ErrorInfo, Any = classes(options["descriptor_set"])
    return run_client(options, Status, ErrorInfo, Any) if argv[0] == "client" else run_server(Status, ErrorInfo, Any)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
