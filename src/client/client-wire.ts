/**
 * GrpcClient's small helpers for putting a call on the wire: request headers from call metadata, compression
 * headers, starting a unary call on a session, and a stream that only fails.
 */
import type { ClientSession, ClientStream, ClientStreamHandler } from "../engine/types.js";
import { errors } from "../errors/catalog.js";
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { type CompressionName, ACCEPT_ENCODING } from "../protocol/compression.js";
import { type CallMetadata, type Metadata, toWireMetadata } from "../protocol/metadata.js";
import { formatGrpcTimeout } from "../protocol/timeout.js";
import type { WireFrame } from "../protocol/wire-frame.js";
import type { ClientUnaryCall } from "./unary-call.js";

export const NO_METADATA: Metadata = Object.freeze({}) as Metadata;

/** The wire form of call metadata plus grpc-timeout, or the GrpcError that invalid metadata becomes. */
export function requestHeaders(metadata: CallMetadata | undefined, timeoutMs: number | undefined): Metadata | GrpcError {
  let headers = NO_METADATA;
  if (metadata !== undefined && hasKeys(metadata)) {
    try {
      headers = toWireMetadata(metadata);
    } catch (cause) {
      return new GrpcError(Code.INTERNAL, cause instanceof Error ? cause.message : String(cause), { cause });
    }
  }
  if (timeoutMs !== undefined) headers = { ...headers, "grpc-timeout": formatGrpcTimeout(timeoutMs) };
  return headers;
}

export function hasKeys(object: object): boolean {
  for (const _ in object) return true;
  return false;
}

export function pathOf(method: { readonly name: string; readonly parent: { readonly typeName: string } }): string {
  return `/${method.parent.typeName}/${method.name}`;
}

export function identity(bytes: Uint8Array): Uint8Array {
  return bytes;
}


/** A response stream that throws `error` on first read (a call that failed before it started). */
export function failedStream<T>(error: GrpcError): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => ({
      next: () => Promise.reject(error),
      return: () => Promise.resolve({ done: true, value: undefined }),
    }),
  };
}

/** Request headers of a call with a compression setting: what we send (unless identity) and what we read. */
export function compressionHeaders(headers: Metadata, compression: CompressionName): Metadata {
  return compression === "identity"
    ? { ...headers, "grpc-accept-encoding": ACCEPT_ENCODING }
    : { ...headers, "grpc-encoding": compression, "grpc-accept-encoding": ACCEPT_ENCODING };
}

export function isSession(value: ClientSession | Promise<ClientSession>): value is ClientSession {
  return !(value instanceof Promise);
}

export function start(session: ClientSession, call: ClientUnaryCall, path: string, headers: Metadata, frame: WireFrame): void {
  if (call.isSettled) return; // the deadline or the caller's abort came first
  call.path = path; // kept (references, no copies) for a transparent retry
  call.requestHeaders = headers;
  call.frame = frame;
  sendOnSession(session, call, path, headers, frame);
}

/** A call with one request: what sendOnSession needs of it (ClientUnaryCall, ClientStreamingCall). */
export interface SingleRequestCall extends ClientStreamHandler {
  stream: ClientStream | null;
  abortLocally(error: GrpcError): void;
}

/** Opens the call's stream on the session and sends its one request with END_STREAM; a failure aborts the call. */
export function sendOnSession(session: ClientSession, call: SingleRequestCall, path: string, headers: Metadata, frame: WireFrame): void {
  try {
    const stream = session.request(path, headers, call);
    call.stream = stream;
    stream.sendMessage(frame, true);
  } catch (error) {
    call.abortLocally(errors.connectionClosed(error));
  }
}
