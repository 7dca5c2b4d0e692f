/**
 * A Caller on fastgrpc's GrpcClient for the run's CallSpec: unary calls on pre-encoded bytes (or per-call bytes
 * from a template) with one shared call options object, or streams (stream-caller.ts).
 */
import type { GrpcClient } from "../client/client.js";
import { createBenchClient, sharedCallOptions } from "./bench-client.js";
import type { Caller } from "./caller.js";
import { type CallSpec, requestSource } from "./call-spec.js";
import type { BenchOptions } from "./options.js";
import { streamingCaller } from "./stream-caller.js";

export interface ClientCaller {
  readonly caller: Caller;
  readonly client: GrpcClient;
}

export function createClientCaller(options: BenchOptions, spec: CallSpec, connections: number, threadIndex: number): ClientCaller {
  const client = createBenchClient(options, connections);
  const callOptions = sharedCallOptions(options);
  const path = spec.path;
  if (spec.kind !== "unary") {
    const next = requestSource(spec, threadIndex, options.threads);
    return { client, caller: streamingCaller(client, path, spec.kind, next, callOptions, options.stream) };
  }
  if (spec.template === undefined) {
    const message = spec.request;
    const caller: Caller = (completion) => {
      client.callRaw(path, message, callOptions).then(completion.ok, completion.fail);
    };
    return { caller, client };
  }
  const next = requestSource(spec, threadIndex, options.threads);
  let n = 0;
  const caller: Caller = (completion) => {
    client.callRaw(path, next(n++), callOptions).then(completion.ok, completion.fail);
  };
  return { caller, client };
}
