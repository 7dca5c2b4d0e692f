/**
 * `Uint8Array.prototype.setFromBase64` (the TC39 base64 proposal; node 24's V8 has it only behind an experimental
 * flag) for the one caller that matters at start-up: protobuf-es decoding the descriptors that every generated file
 * embeds as base64. mk/bundle-cli.mjs gives it to protobuf-es's decoder in the bundled command lines.
 *
 * Why: without a native method protobuf-es decodes with a JavaScript loop, ~10,000 characters at start-up, and V8
 * sometimes (it depends on timing) compiles that loop with TurboFan: 25 ms of start-up and ~5 MB more of node's own
 * code resident in that process for good (docs/benchmarks.md §14). node's base64 decoder is native.
 *
 * Decoded here: the standard alphabet without white-space, its last group padded or not (protoc-gen-es embeds
 * unpadded base64), as the proposal's default ("loose") takes it. Anything else throws, and protobuf-es then decodes
 * it with its own loop, exactly as it does when a native setFromBase64 rejects base64url or inner padding.
 */
const STANDARD_BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export interface Base64Decoded {
  /** Characters read: the whole input. */
  readonly read: number;
  /** Bytes written from index 0. */
  readonly written: number;
}

export function setFromCanonicalBase64(this: Uint8Array, base64: string): Base64Decoded {
  if (!STANDARD_BASE64.test(base64)) throw new SyntaxError("not standard base64");
  const padding = base64.endsWith("==") ? 2 : base64.endsWith("=") ? 1 : 0;
  const data = base64.length - padding;
  // Unpadded, the last group holds 2 or 3 characters (one is not a byte); padded, it holds 4 - padding, and no more.
  if (padding === 0 ? data % 4 === 1 : base64.length % 4 !== 0 || data % 4 !== 4 - padding) throw new SyntaxError("not standard base64");
  const bytes = Buffer.from(base64, "base64");
  if (bytes.length > this.length) throw new RangeError(`${bytes.length} decoded bytes do not fit in ${this.length}`);
  this.set(bytes);
  return { read: base64.length, written: bytes.length };
}
