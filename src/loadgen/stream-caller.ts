/**
 * Callers for the three streaming kinds: one stream is one call, timed from its start to its status. Client and
 * bidi streams send `messages` requests (`intervalMs` apart) and half-close; a stream duration closes the sending
 * side when it runs out (server streams: the call is cancelled then, and counts as OK, since the generator ended
 * it). Responses are read as they come.
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { CallOptions, GrpcClient } from "../client/client.js";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import type { Caller } from "./caller.js";
import type { MethodKind } from "./call-spec.js";
import type { RequestSource } from "./request-template.js";

export interface StreamShape {
  /** Requests per client or bidi stream; undefined = until the duration ends. */
  readonly messages: number | undefined;
  readonly intervalMs: number;
  readonly durationMs: number | undefined;
}

export function streamingCaller(
  client: GrpcClient,
  path: string,
  kind: Exclude<MethodKind, "unary">,
  next: RequestSource,
  callOptions: CallOptions | undefined,
  shape: StreamShape,
): Caller {
  let n = 0;
  return (completion) => {
    const controller = shape.durationMs === undefined ? undefined : new AbortController();
    let endedByUs = false;
    const timer = controller && setTimeout(() => {
      endedByUs = true;
      if (kind === "server_streaming") controller.abort(new GrpcError(Code.CANCELLED, "stream duration over"));
    }, shape.durationMs);
    const options = controller === undefined ? callOptions : { ...callOptions, signal: controller.signal };
    const body = kind === "server_streaming" ? next(n++) : requests(() => next(n++), shape, () => endedByUs);
    readAll(client.streamRaw(path, body, options)).then(
      () => {
        clearTimeout(timer);
        completion.ok();
      },
      (reason: unknown) => {
        clearTimeout(timer);
        if (endedByUs && kind === "server_streaming") completion.ok();
        else completion.fail(reason);
      },
    );
  };
}

async function* requests(next: () => Uint8Array, shape: StreamShape, over: () => boolean): AsyncGenerator<Uint8Array> {
  const limit = shape.messages ?? Number.POSITIVE_INFINITY;
  for (let sent = 0; sent < limit && !over(); sent++) {
    if (sent > 0 && shape.intervalMs > 0) await sleep(shape.intervalMs);
    if (over()) return;
    yield next();
  }
}

async function readAll(responses: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of responses) {
    // Only the stream's outcome and duration are measured.
  }
}
