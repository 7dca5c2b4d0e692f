/**
 * The grpc-js interop server peer: grpc.testing.TestService written on @grpc/grpc-js alone (the library, not
 * fastgrpc, decides every protocol behaviour). Flags: --port=N [--use_tls=true --tls_cert_file= --tls_key_file=].
 * Prints "listening on PORT". Gaps grpc-js cannot express: it does not tell a handler whether a request arrived
 * compressed (expect_compressed is not checked) and it never compresses responses (response_compressed and
 * ResponseParameters.compressed are ignored).
 */
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import * as grpc from "@grpc/grpc-js";
import {
  type EchoStatus, type ResponseParameters, type SimpleRequest, type StreamingInputCallRequest, type StreamingOutputCallRequest,
  TestServiceClient, flags,
} from "./grpc-js-proto.js";

const INITIAL = "x-grpc-test-echo-initial";
const TRAILING = "x-grpc-test-echo-trailing-bin";

/** Sends the echoed initial metadata and returns the trailers to echo. */
function echoMetadata(call: { metadata: grpc.Metadata; sendMetadata(metadata: grpc.Metadata): void }): grpc.Metadata {
  const initial = call.metadata.get(INITIAL)[0];
  if (initial !== undefined) {
    const headers = new grpc.Metadata();
    headers.set(INITIAL, initial);
    call.sendMetadata(headers);
  }
  const trailer = new grpc.Metadata();
  const trailing = call.metadata.get(TRAILING)[0];
  if (trailing !== undefined) trailer.set(TRAILING, trailing);
  return trailer;
}

function statusError(status: EchoStatus | null, trailer: grpc.Metadata): grpc.ServiceError | null {
  if (status === null || status.code === 0) return null;
  return Object.assign(new Error(status.message), { code: status.code, details: status.message, metadata: trailer });
}

function payload(size: number) {
  return { payload: { type: "COMPRESSABLE", body: Buffer.alloc(size) } };
}

type Duplex = grpc.ServerDuplexStream<StreamingOutputCallRequest, unknown>;

async function respond(call: Duplex | grpc.ServerWritableStream<StreamingOutputCallRequest, unknown>, parameters: ResponseParameters[]) {
  for (const parameter of parameters) {
    if (parameter.interval_us > 0) await sleep(parameter.interval_us / 1000);
    if (call.cancelled) return;
    call.write(payload(parameter.size));
  }
}

const impl: grpc.UntypedServiceImplementation = {
  EmptyCall(call: grpc.ServerUnaryCall<unknown, unknown>, callback: grpc.sendUnaryData<unknown>) {
    callback(null, {}, echoMetadata(call));
  },
  UnaryCall(call: grpc.ServerUnaryCall<SimpleRequest, unknown>, callback: grpc.sendUnaryData<unknown>) {
    const trailer = echoMetadata(call);
    const error = statusError(call.request.response_status, trailer);
    if (error !== null) return callback(error);
    callback(null, payload(call.request.response_size), trailer);
  },
  StreamingInputCall(call: grpc.ServerReadableStream<StreamingInputCallRequest, unknown>, callback: grpc.sendUnaryData<unknown>) {
    const trailer = echoMetadata(call);
    let size = 0;
    call.on("data", (request: StreamingInputCallRequest) => { size += request.payload?.body.length ?? 0; });
    call.on("end", () => callback(null, { aggregated_payload_size: size }, trailer));
    call.on("error", () => undefined);
  },
  StreamingOutputCall(call: grpc.ServerWritableStream<StreamingOutputCallRequest, unknown>) {
    const trailer = echoMetadata(call);
    respond(call, call.request.response_parameters).then(() => {
      const error = statusError(call.request.response_status, trailer);
      if (error !== null) call.emit("error", error);
      else call.end(trailer);
    }, () => undefined);
  },
  FullDuplexCall(call: Duplex) {
    const trailer = echoMetadata(call);
    // Requests are answered in order: each waits for the one before.
    let chain = Promise.resolve();
    let failed = false;
    call.on("data", (request: StreamingOutputCallRequest) => {
      chain = chain.then(async () => {
        if (failed) return;
        const error = statusError(request.response_status, trailer);
        if (error !== null) {
          failed = true;
          call.emit("error", error);
          return;
        }
        await respond(call, request.response_parameters);
      });
    });
    call.on("end", () => { void chain.then(() => { if (!failed) call.end(trailer); }); });
    call.on("error", () => undefined);
  },
};

const options = flags(process.argv.slice(2));
const port = Number(options.get("port") ?? "0");
const credentials = options.get("use_tls") === "true"
  ? grpc.ServerCredentials.createSsl(null, [{
      cert_chain: readFileSync(options.get("tls_cert_file") ?? ""), private_key: readFileSync(options.get("tls_key_file") ?? ""),
    }], false)
  : grpc.ServerCredentials.createInsecure();
const server = new grpc.Server();
server.addService(TestServiceClient.service, impl);
server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) => {
  if (error) {
    process.stderr.write(`grpc-js interop server: ${error.message}\n`);
    process.exit(1);
  }
  process.stdout.write(`listening on ${bound}\n`);
});
process.once("SIGTERM", () => server.tryShutdown(() => process.exit(0)));
