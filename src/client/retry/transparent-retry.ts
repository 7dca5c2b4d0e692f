/**
 * Transparent retry (gRPC A6), always on: a stream the server never processed (the engines report REFUSED_STREAM
 * before any response headers: a peer's refusal, a stream above a GOAWAY's last-stream-id, a stream that never left a
 * session that went away) goes out again on a session from the pool — one that sent GOAWAY is never picked again —
 * at most MAX_TRANSPARENT_RETRIES times per attempt. Deferred to a microtask: the engine is mid-callback.
 */
import type { Metadata } from "../../protocol/metadata.js";
import type { WireFrame } from "../../protocol/wire-frame.js";
import type { ClientStreamingCall } from "../streaming-call.js";
import type { ClientUnaryCall } from "../unary-call.js";
import type { ClientRetryStats } from "./stats.js";

/** Bounded so that a server refusing every stream cannot keep a call looping. */
export const MAX_TRANSPARENT_RETRIES = 3;

export type UnaryStart = (call: ClientUnaryCall, path: string, headers: Metadata, frame: WireFrame, signal: AbortSignal | undefined) => void;

export class TransparentRetry {
  constructor(private readonly stats: ClientRetryStats, private readonly start: UnaryStart) {}

  /** ClientUnaryCall.resend: the call's kept path, headers and frame go out again. */
  readonly unary = (call: ClientUnaryCall): boolean => {
    const frame = call.frame;
    const headers = call.requestHeaders;
    if (call.transparentRetries >= MAX_TRANSPARENT_RETRIES || frame === null || headers === null) return false;
    call.transparentRetries++;
    call.previousAttempts++;
    this.stats.transparentRetries++;
    queueMicrotask(() => {
      if (!call.isSettled) this.start(call, call.path, headers, frame, call.callSignal);
    });
    return true;
  };

  /** A ClientStreamingCall.resend for a call whose one request is known: `pick` opens its stream again. */
  streaming<T>(pick: () => void): (call: ClientStreamingCall<T>) => boolean {
    let retries = 0;
    return () => {
      if (retries >= MAX_TRANSPARENT_RETRIES) return false;
      retries++;
      this.stats.transparentRetries++;
      queueMicrotask(pick);
      return true;
    };
  }
}
