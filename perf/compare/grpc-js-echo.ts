/** The @grpc/grpc-js Echo server, for side-by-side figures. Usage: node grpc-js-echo.js PORT (0: any free port) */
import { fileURLToPath } from "node:url";
import * as grpc from "@grpc/grpc-js";
import * as protoLoader from "@grpc/proto-loader";

const port = Number(process.argv[2] ?? 50062);
const protoRoot = fileURLToPath(new URL("../../../proto", import.meta.url));
const definition = protoLoader.loadSync("fastgrpc/echo/v1/echo.proto", { includeDirs: [protoRoot], defaults: true });
const loaded = grpc.loadPackageDefinition(definition) as unknown as {
  fastgrpc: { echo: { v1: { EchoService: grpc.ServiceClientConstructor } } };
};
// The same 16 MiB limit the harness gives fastgrpc: grpc-js's default of 4 MiB refuses a 4 MiB payload (a 4,194,309-byte message).
const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
const server = new grpc.Server({
  "grpc.max_receive_message_length": MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": MAX_MESSAGE_BYTES,
});
server.addService(loaded.fastgrpc.echo.v1.EchoService.service, {
  Echo: (call: grpc.ServerUnaryCall<{ payload: Buffer }, unknown>, callback: grpc.sendUnaryData<unknown>) => callback(null, { payload: call.request.payload }),
});
// PORT 0 takes a free port; the line names the one bound.
server.bindAsync(`127.0.0.1:${port}`, grpc.ServerCredentials.createInsecure(), (error, boundPort) => {
  if (error) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`grpc-js echo listening on tcp://127.0.0.1:${boundPort}\n`);
});
process.on("SIGTERM", () => server.forceShutdown());
