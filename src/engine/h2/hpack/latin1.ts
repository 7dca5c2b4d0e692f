/** Fast octets -> JS string conversion with latin1 semantics (each octet is one UTF-16 code unit). */
import { Buffer } from 'node:buffer';

interface Latin1Slicer {
  latin1Slice(this: Buffer, start: number, end: number): string;
}

// Buffer#latin1Slice is what buf.toString('latin1', ...) ends in, minus its argument handling (~15% faster here);
// it is not in @types/node, so fall back to toString if a runtime lacks it.
const nativeSlice = (Buffer.prototype as unknown as Partial<Latin1Slicer>).latin1Slice;
const latin1Slice: (buf: Buffer, start: number, end: number) => string =
  nativeSlice !== undefined
    ? (buf, start, end) => nativeSlice.call(buf, start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

/** Below this length a JS loop beats the native call (measured: 4 octets 38 ns vs 107 ns; 16 octets 174 vs 116). */
const SHORT_STRING = 8;

export function latin1String(buf: Buffer, start: number, end: number): string {
  if (end - start <= SHORT_STRING) {
    let text = '';
    for (let i = start; i < end; i++) text += String.fromCharCode(buf[i] ?? 0);
    return text;
  }
  return latin1Slice(buf, start, end);
}
