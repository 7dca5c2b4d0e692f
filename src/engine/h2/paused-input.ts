/**
 * Input of a stream whose owner stopped reading (ServerStream/ClientStream.pauseInput): DATA is held (copied) and no
 * WINDOW_UPDATE is sent for the stream until it resumes, so what is held stays within the stream's receive window.
 */
import type { HeaderMap } from "../types.js";
import type { StreamCore } from "./stream-core.js";

export class PausedInput {
  /** The owner paused input. */
  paused = true;
  /** DATA received while paused (or behind held DATA), in order; bounded by the stream's receive window. */
  held: Uint8Array[] | null = null;
  /** The peer's end of stream (END_STREAM or trailers) arrived behind held DATA: delivered once that is. */
  heldEnd = false;
  /** Client: the trailers that came behind held DATA, reported after it. */
  trailers: HeaderMap | null = null;
  /** Held DATA is being handed over now (a resume from inside the owner's callback must not re-enter). */
  delivering = false;
  /** A delivery of held DATA is scheduled. */
  resumeScheduled = false;
}

/** What the gate needs from the connection. */
export interface InputHost<S extends StreamCore> {
  deliverData(stream: S, data: Uint8Array | null, endStream: boolean): void;
  deliverHeldEnd(stream: S): void;
  /** WINDOW_UPDATE for what the owner consumed, if due (never while paused). */
  grantStreamWindow(stream: S): void;
  /** The owner's callback or the engine failed while delivering held input. */
  inputFailed(err: unknown): void;
  flushSoon(): void;
}

export function pauseInput(stream: StreamCore): void {
  if (stream.input === null) stream.input = new PausedInput();
  else stream.input.paused = true;
}

/**
 * Holds a DATA payload if the owner is not reading (or earlier DATA is still held, to keep the order). Returns
 * false when the payload should be delivered now.
 */
export function holdIfPaused(stream: StreamCore, buf: Uint8Array, start: number, end: number, endStream: boolean): boolean {
  const input = stream.input;
  if (input === null || (input.held === null && !(input.paused && end > start))) return false;
  // A copy: a view would pin the whole socket chunk.
  if (end > start) (input.held ??= []).push(new Uint8Array(buf.subarray(start, end)));
  if (endStream) input.heldEnd = true;
  return true;
}

/** The owner reads again: held DATA is delivered (in a microtask, not inside the owner's call), then window granted. */
export function resumeInput<S extends StreamCore>(host: InputHost<S>, stream: S): void {
  const input = stream.input;
  if (input === null || !input.paused) return;
  input.paused = false;
  if (input.held === null && !input.heldEnd) {
    if (stream.id !== 0) host.grantStreamWindow(stream);
    host.flushSoon();
    return;
  }
  if (!input.resumeScheduled) {
    input.resumeScheduled = true;
    queueMicrotask(() => deliverHeld(host, stream, input));
  }
}

function deliverHeld<S extends StreamCore>(host: InputHost<S>, stream: S, input: PausedInput): void {
  input.resumeScheduled = false;
  if (input.delivering) return; // the outer delivery loop goes on
  input.delivering = true;
  try {
    while (!input.paused && input.held !== null) {
      const held = input.held;
      const chunk = held.shift() as Uint8Array;
      if (held.length === 0) input.held = null;
      stream.recvConsumed += chunk.length;
      host.deliverData(stream, chunk, false);
    }
    if (!input.paused && input.held === null && input.heldEnd) {
      input.heldEnd = false;
      host.deliverHeldEnd(stream);
    }
  } catch (err) {
    host.inputFailed(err);
  } finally {
    input.delivering = false;
  }
  host.grantStreamWindow(stream);
  host.flushSoon();
}
