/**
 * What gzip costs on the echo, per message size: one process serves (responses compressed when "gzip"), another
 * drives a closed loop of 16 callRaw calls in flight on one connection (requests compressed when "gzip") and prints
 * calls/s, its own CPU per call and the calls it made in all (warm-up included, to divide the server's CPU by).
 * The payload is text-like (a JSON record repeated with a counter): compressible as real records are.
 *
 *   taskset -c 0 node dist/perf/compression-cost.js serve 50663 gzip &
 *   taskset -c 1 node dist/perf/compression-cost.js load 50663 4 65536 gzip
 *   perf/compression-cost.sh ROUNDS      # identity and gzip at 1 KiB and 64 KiB, alternating, server CPU from /proc
 */
import { GrpcClient } from "../src/client/client.js";
import { closedLoop } from "./closed-loop.js";
import { GrpcServer } from "../src/server/server.js";
import { EchoService, createEchoService } from "../src/services/echo.js";
import { silentLogger } from "../src/log/logger.js";
import { EchoRequestSchema } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { create, toBinary } from "@bufbuild/protobuf";

const [mode, portText, third, fourth, fifth] = process.argv.slice(2);
const port = Number(portText);

function textPayload(bytes: number): Uint8Array {
  let text = "";
  for (let i = 0; text.length < bytes; i++) text += `{"id":${i},"name":"record ${i}","tags":["alpha","beta"],"score":${(i * 37) % 101}}\n`;
  return Buffer.from(text.slice(0, bytes));
}

if (mode === "serve") {
  const gzip = third === "gzip";
  const server = new GrpcServer({ log: silentLogger(), ...(gzip ? { compression: "gzip" as const } : {}) });
  server.addService(EchoService, createEchoService(silentLogger()));
  await server.listen(`tcp://127.0.0.1:${port}`);
  console.log(`serving on ${port}${gzip ? " with gzip responses" : ""}`);
  process.on("SIGTERM", () => void server.shutdown(100).then(() => process.exit(0)));
} else if (mode === "load") {
  const seconds = Number(third ?? "4");
  const size = Number(fourth ?? "1024");
  const gzip = fifth === "gzip";
  const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { compression: gzip ? "gzip" : "identity", maxMessageBytes: 8 * 1024 * 1024 });
  const request = toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload: textPayload(size) }));
  const path = "/fastgrpc.echo.v1.EchoService/Echo";
  const result = await closedLoop(client, path, request, 16, seconds);
  await client.close();
  const clientUs = result.clientCpuUsPerCall.toFixed(1);
  console.log(`client ${gzip ? "gzip" : "identity"} ${size} B: ${result.callsPerSecond} calls/s, client CPU ${clientUs} us/call, ${result.allCalls} calls in all`);
} else {
  console.error("usage: compression-cost.js serve PORT [gzip] | load PORT SECONDS SIZE [gzip]");
  process.exit(2);
}
