/** A frame's parts written to a node:http2 stream in one corked batch, so node sends them as one writev. */
import type { Writable } from "node:stream";
import type { FrameParts } from "../../protocol/wire-frame.js";

/** Returns write()'s answer for the last part (false: wait for 'drain'). */
export function writeParts(stream: Writable, parts: FrameParts): boolean {
  stream.cork();
  let more = true;
  for (const part of parts) more = stream.write(part);
  stream.uncork();
  return more;
}
