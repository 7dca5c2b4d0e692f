/** Growable output buffer with the HPACK primitive encodings (RFC 7541 §5.1 integers, §5.2 strings). */
import { Buffer } from 'node:buffer';
import { HpackError } from './errors.js';
import { huffmanEncodedLength, huffmanEncodeInto } from './huffman.js';

/** Octets an integer can take beyond its prefix octet, for values below 2^32. */
const MAX_INTEGER_TAIL = 5;
/** Up to this many octets, take() copies with a loop into a new Uint8Array. */
const SMALL_BLOCK = 64;
/** A buffer grown past this for one large block is dropped afterwards, so an idle connection holds little memory. */
const KEPT_CAPACITY = 65536;

/** No buffer until the first block: an idle connection's encoder holds none (512 bytes of node's shared pool). */
const NO_BUFFER = Buffer.alloc(0);

export class BlockWriter {
  private buf: Buffer = NO_BUFFER;
  pos = 0;

  /** Makes room for `octets` more octets. */
  reserve(octets: number): void {
    const needed = this.pos + octets;
    if (needed <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(needed, this.buf.length * 2, 512));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
  }

  /** Room to reserve before writing a field with these strings (two strings with their length prefixes + one integer). */
  static fieldBound(name: string, value: string): number {
    return name.length + value.length + 3 * (1 + MAX_INTEGER_TAIL);
  }

  /** Writes `value` with an N-bit prefix (`prefixMax` = 2^N - 1) into an octet whose high bits are `flags`. */
  writeInteger(value: number, prefixMax: number, flags: number): void {
    const buf = this.buf;
    if (value < prefixMax) {
      buf[this.pos++] = flags | value;
      return;
    }
    buf[this.pos++] = flags | prefixMax;
    let rest = value - prefixMax;
    while (rest >= 0x80) {
      buf[this.pos++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 0x80);
    }
    buf[this.pos++] = rest;
  }

  /** Writes a string literal, Huffman-coded when `huffman` is set and that is no longer (as RFC 7541 C.6.2 does). */
  writeString(text: string, huffman: boolean): void {
    if (huffman) {
      const codedLength = huffmanEncodedLength(text);
      if (codedLength < 0) throw notLatin1();
      if (codedLength <= text.length) {
        this.writeInteger(codedLength, 0x7f, 0x80);
        this.pos = huffmanEncodeInto(text, this.buf, this.pos);
        return;
      }
    }
    this.writeInteger(text.length, 0x7f, 0x00);
    const buf = this.buf;
    let pos = this.pos;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c > 0xff) throw notLatin1();
      buf[pos++] = c;
    }
    this.pos = pos;
  }

  /** Copies the octets written so far into `target` at `offset` (the caller checked the room), resets the writer and
   *  returns the offset after them. */
  moveTo(target: Uint8Array, offset: number): number {
    const length = this.pos;
    this.pos = 0;
    if (length > SMALL_BLOCK) {
      target.set(this.buf.subarray(0, length), offset);
      this.shrink();
    } else {
      const buf = this.buf;
      for (let i = 0; i < length; i++) target[offset + i] = buf[i] ?? 0;
    }
    return offset + length;
  }

  private shrink(): void {
    if (this.buf.length > KEPT_CAPACITY) this.buf = Buffer.allocUnsafe(512);
  }

  /** Copies out the octets written so far and resets the writer. */
  take(): Uint8Array {
    const length = this.pos;
    this.pos = 0;
    if (length > SMALL_BLOCK) {
      const out = Buffer.allocUnsafe(length);
      this.buf.copy(out, 0, 0, length);
      this.shrink();
      return out;
    }
    // Small blocks (warm-table blocks are a few octets): a plain copy loop is ~3x cheaper than allocUnsafe + copy.
    const buf = this.buf;
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = buf[i] ?? 0;
    return out;
  }
}

function notLatin1(): HpackError {
  return new HpackError('header name or value contains a character outside latin1', 'invalid-input');
}
