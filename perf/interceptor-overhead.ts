/**
 * What a no-op interceptor costs on the 64-byte echo: one process serves, another drives a closed loop of 100
 * callRaw calls in flight on one connection (as fastgrpc-bench does) and prints calls/s, its own CPU per call and
 * the calls it made in all (warm-up included, to divide the server's CPU by). "noop" installs a pass-through
 * interceptor on its side; "async" (serve only) answers with an async handler instead, no interceptor.
 *
 *   taskset -c 0 node dist/perf/interceptor-overhead.js serve 50661 [noop|async] &
 *   taskset -c 1 node dist/perf/interceptor-overhead.js load 50661 5 [noop]
 *   perf/interceptor-overhead.sh ROUNDS      # every combination, alternating, with the server's CPU from /proc
 */
import { GrpcClient } from "../src/client/client.js";
import { closedLoop } from "./closed-loop.js";
import type { ClientInterceptor } from "../src/client/interceptors.js";
import type { ServerInterceptor } from "../src/server/interceptors.js";
import { GrpcServer } from "../src/server/server.js";
import { EchoService, createEchoService } from "../src/services/echo.js";
import { silentLogger } from "../src/log/logger.js";

const [mode, portText, third, fourth] = process.argv.slice(2);
const port = Number(portText);
const noopServer: ServerInterceptor = (next) => (request) => next(request);
const noopClient: ClientInterceptor = (next) => (request) => next(request);

if (mode === "serve") {
  const server = new GrpcServer({ log: silentLogger(), interceptors: third === "noop" ? [noopServer] : [] });
  server.addService(EchoService, third === "async" ? { echo: async (request) => ({ payload: request.payload }) } : createEchoService(silentLogger()));
  await server.listen(`tcp://127.0.0.1:${port}`);
  console.log(`serving on ${port}${third === "noop" ? " with a no-op interceptor" : ""}`);
  process.on("SIGTERM", () => void server.shutdown(100).then(() => process.exit(0)));
} else if (mode === "load") {
  const seconds = Number(third ?? "5");
  const client = new GrpcClient(`tcp://127.0.0.1:${port}`, { interceptors: fourth === "noop" ? [noopClient] : [] });
  // EchoRequest { payload: 64 bytes }
  const request = new Uint8Array([10, 64, ...new Uint8Array(64).fill(7)]);
  const path = "/fastgrpc.echo.v1.EchoService/Echo";
  const result = await closedLoop(client, path, request, 100, seconds);
  await client.close();
  const clientUs = result.clientCpuUsPerCall.toFixed(2);
  console.log(`client ${fourth === "noop" ? "noop" : "plain"}: ${result.callsPerSecond} calls/s, client CPU ${clientUs} us/call, ${result.allCalls} calls in all`);
} else {
  console.error("usage: interceptor-overhead.js serve PORT [noop] | load PORT SECONDS [noop]");
  process.exit(2);
}
