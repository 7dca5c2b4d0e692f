"""grpc.testing message classes for the Python interop peers, built from a FileDescriptorSet (the test writes it
from fastgrpc's generated code) with protobuf's descriptor pool: no protoc, no grpc_tools. Plus the --name=value
flag parser the interop programs share."""
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory


def flags(argv):
    out = {}
    for arg in argv:
        if arg.startswith("--") and "=" in arg:
            name, value = arg[2:].split("=", 1)
            out[name] = value
    return out


class Messages:
    def __init__(self, descriptor_set_path):
        with open(descriptor_set_path, "rb") as f:
            files = descriptor_pb2.FileDescriptorSet.FromString(f.read())
        self.pool = descriptor_pool.DescriptorPool()
        for file in files.file:
            self.pool.Add(file)
        for name in ["Empty", "Payload", "BoolValue", "EchoStatus", "SimpleRequest", "SimpleResponse",
                     "StreamingInputCallRequest", "StreamingInputCallResponse", "ResponseParameters",
                     "StreamingOutputCallRequest", "StreamingOutputCallResponse"]:
            setattr(self, name, self._class("grpc.testing." + name))

    def _class(self, full_name):
        descriptor = self.pool.FindMessageTypeByName(full_name)
        if hasattr(message_factory, "GetMessageClass"):  # protobuf >= 4.22
            return message_factory.GetMessageClass(descriptor)
        return message_factory.MessageFactory(self.pool).GetPrototype(descriptor)


def messages_from_flags(options):
    path = options.get("descriptor_set")
    if not path:
        sys.stderr.write("--descriptor_set=FILE (a FileDescriptorSet of grpc/testing/*.proto) is required\n")
        sys.exit(2)
    return Messages(path)
