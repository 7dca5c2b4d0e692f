/**
 * A gRPC frame (5-byte prefix + message) as the engines take it: one buffer, or parts whose concatenation is the
 * frame. Parts let a large bytes field go to the socket by reference instead of being copied into a frame-sized
 * buffer: on the server that copy, and the garbage collection its allocation caused, was most of the cost of a
 * 16-64 KiB echo (docs/benchmarks.md §12).
 */
export type FrameParts = readonly Uint8Array[];

/**
 * Bytes from this size on are sent by reference (a bytes field in encodeFramedParts, a whole message in
 * framedByReference): copying them costs more than one more part. The h2 engine attaches DATA payloads from this
 * size (frame-writer.ts ATTACH_MIN_BYTES is this constant), so a part this large is never copied into its slab. 16 KiB, not
 * 4 KiB: at 4-8 KiB the copy was the cheaper one (server CPU per 4 KiB echo at 1x16 ~5% lower in 6 of 6 alternating
 * rounds, 16 KiB unchanged; docs/benchmarks.md §13).
 */
export const BY_REFERENCE_MIN_BYTES = 16_384;
export type WireFrame = Uint8Array | FrameParts;

/** Bytes in the frame. */
export function frameBytes(frame: WireFrame): number {
  if (frame instanceof Uint8Array) return frame.length;
  let n = 0;
  for (const part of frame) n += part.length;
  return n;
}

const EMPTY = new Uint8Array(0);

/**
 * Hands a frame's parts to an engine's `send` in order, `end` (END_STREAM) with the last; returns the last part's
 * answer (false: wait for the drain). The parts queue behind each other on the stream.
 */
export function sendInParts(parts: FrameParts, end: boolean, send: (data: Uint8Array, end: boolean) => boolean): boolean {
  const last = parts.length - 1;
  for (let i = 0; i < last; i++) send(parts[i] as Uint8Array, false);
  return send(last >= 0 ? parts[last] as Uint8Array : EMPTY, end);
}
