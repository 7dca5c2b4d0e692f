/** A Caller on fastgrpc's GrpcClient: one pre-encoded request, the same call options object for every call. */
import { GrpcClient } from "../client/client.js";
import { clientEngine } from "../engine/registry.js";
import type { Caller } from "./caller.js";
import type { BenchOptions } from "./options.js";
import { encodeRequest } from "./request-message.js";

const CONNECT_TIMEOUT_MS = 10_000;

export interface ClientCaller {
  readonly caller: Caller;
  readonly client: GrpcClient;
}

export function createClientCaller(options: BenchOptions, connections: number): ClientCaller {
  const client = new GrpcClient(options.target, {
    connections,
    ...(options.engine === undefined ? {} : { engine: clientEngine(options.engine) }),
    connectTimeoutMs: Math.min(options.timeoutMs ?? CONNECT_TIMEOUT_MS, CONNECT_TIMEOUT_MS),
  });
  const { path, message } = encodeRequest(options);
  // No options object without a deadline: the client then skips the grpc-timeout header and the timer.
  const callOptions = options.timeoutMs === undefined ? undefined : { timeoutMs: options.timeoutMs };
  const caller: Caller = (completion) => {
    client.callRaw(path, message, callOptions).then(completion.ok, completion.fail);
  };
  return { caller, client };
}
