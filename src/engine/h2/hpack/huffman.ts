/**
 * Huffman coding of HPACK string literals (RFC 7541 §5.2, Appendix B).
 *
 * Decoding runs a 4-bit state machine built once: a state is an internal node of the code tree (there are exactly 256),
 * and each (state, nibble) pair maps to the next state plus at most one emitted symbol (no code is shorter than 5 bits,
 * so 4 bits never complete two symbols). Decoding is then two table reads per input byte with no allocation besides the
 * result string. The tables are built on the first decode, not at module load: the build loops ~20,000 times, enough
 * for V8 to compile it with TurboFan at start-up (~10 ms, and node's compiler pages then resident in a process that may
 * not have served a call yet; docs/benchmarks.md §14).
 */
import { Buffer } from 'node:buffer';
import { HpackError } from './errors.js';
import { latin1String } from './latin1.js';
import { EOS, HUFFMAN_CODES, HUFFMAN_LENGTHS, SYMBOL_COUNT } from './huffman-code.js';

const STATE_COUNT = 256;
/** Transition flags, stored above the 8-bit next state; the emitted symbol sits in bits 16..23. */
const EMIT = 0x100;
const FAIL = 0x200;

/** transitions[state * 16 + nibble] = nextState | flags | symbol << 16 */
const transitions = new Uint32Array(STATE_COUNT * 16);
/** acceptingEnd[state] = 1 when a string may end in this state: the bits consumed since the last symbol are a prefix of
 *  EOS (all ones) no longer than 7 bits (§5.2: longer padding, or padding that is not all ones, is a decoding error). */
const acceptingEnd = new Uint8Array(STATE_COUNT);

let decoderBuilt = false;

function buildDecoder(): void {
  // Code tree: children[node * 2 + bit] >= 0 is an internal node, < 0 is the leaf of symbol -(value + 1).
  const children = new Int32Array(STATE_COUNT * 2).fill(0);
  const depth = new Uint8Array(STATE_COUNT);
  const allOnes = new Uint8Array(STATE_COUNT);
  allOnes[0] = 1;
  let nodeCount = 1;
  for (let symbol = 0; symbol < SYMBOL_COUNT; symbol++) {
    const length = HUFFMAN_LENGTHS[symbol] ?? 0;
    const code = HUFFMAN_CODES[symbol] ?? 0;
    let node = 0;
    for (let bitIndex = length - 1; bitIndex >= 0; bitIndex--) {
      const bit = Math.floor(code / 2 ** bitIndex) & 1;
      const slot = node * 2 + bit;
      if (bitIndex === 0) {
        children[slot] = -(symbol + 1);
        break;
      }
      let next = children[slot] ?? 0;
      if (next === 0) {
        next = nodeCount++;
        if (next >= STATE_COUNT) throw new Error('HPACK Huffman table is not a complete prefix code');
        children[slot] = next;
        depth[next] = (depth[node] ?? 0) + 1;
        allOnes[next] = (allOnes[node] ?? 0) & bit;
      }
      node = next;
    }
  }
  if (nodeCount !== STATE_COUNT) throw new Error('HPACK Huffman table is not a complete prefix code');

  for (let state = 0; state < STATE_COUNT; state++) {
    acceptingEnd[state] = (allOnes[state] ?? 0) === 1 && (depth[state] ?? 0) <= 7 ? 1 : 0;
    for (let nibble = 0; nibble < 16; nibble++) {
      let node = state;
      let entry = 0;
      for (let bitIndex = 3; bitIndex >= 0; bitIndex--) {
        const child = children[node * 2 + ((nibble >> bitIndex) & 1)] ?? 0;
        if (child >= 0) {
          node = child;
          continue;
        }
        const symbol = -child - 1;
        if (symbol === EOS) {
          entry = FAIL;
          break;
        }
        entry = EMIT | (symbol << 16);
        node = 0;
      }
      transitions[state * 16 + nibble] = entry === FAIL ? FAIL : entry | node;
    }
  }
  decoderBuilt = true;
}

/** Shared output scratch for decoding (decoding is synchronous, so one buffer serves every decoder). */
let scratch = Buffer.allocUnsafe(256);

/** Decodes the Huffman-coded bytes source[start, end) into a latin1 string; throws HpackError on invalid input. */
export function huffmanDecodeRange(source: Uint8Array, start: number, end: number): string {
  if (!decoderBuilt) buildDecoder();
  // Every code is at least 5 bits long, which bounds the output length.
  const maxOutput = Math.ceil(((end - start) * 8) / 5);
  if (scratch.length < maxOutput) scratch = Buffer.allocUnsafe(Math.max(maxOutput, scratch.length * 2));
  const out = scratch;
  let length = 0;
  let state = 0;
  for (let i = start; i < end; i++) {
    const byte = source[i] ?? 0;
    let entry = transitions[(state << 4) | (byte >> 4)] ?? FAIL;
    if ((entry & FAIL) !== 0) throw new HpackError('Huffman string contains EOS', 'invalid-huffman');
    if ((entry & EMIT) !== 0) out[length++] = entry >>> 16;
    state = entry & 0xff;
    entry = transitions[(state << 4) | (byte & 0x0f)] ?? FAIL;
    if ((entry & FAIL) !== 0) throw new HpackError('Huffman string contains EOS', 'invalid-huffman');
    if ((entry & EMIT) !== 0) out[length++] = entry >>> 16;
    state = entry & 0xff;
  }
  if (acceptingEnd[state] !== 1) {
    throw new HpackError('Huffman string padding is longer than 7 bits or not a prefix of EOS', 'invalid-huffman');
  }
  return latin1String(out, 0, length);
}

/** Decodes a complete Huffman-coded string (RFC 7541 §5.2) to a latin1 string. */
export function huffmanDecode(bytes: Uint8Array): string {
  return huffmanDecodeRange(bytes, 0, bytes.length);
}

/**
 * Length in bytes of the Huffman coding of `text`, or -1 when `text` has a character above U+00FF (not latin1, so it
 * cannot be a header octet).
 */
export function huffmanEncodedLength(text: string): number {
  let bits = 0;
  let or = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    or |= c;
    bits += HUFFMAN_LENGTHS[c & 0xff] ?? 0;
  }
  if (or > 0xff) return -1;
  return (bits + 7) >> 3;
}

/**
 * Writes the Huffman coding of the latin1 string `text` into `out` at `offset` and returns the offset after it.
 * The caller has sized `out` with huffmanEncodedLength and checked that the text is latin1.
 */
export function huffmanEncodeInto(text: string, out: Uint8Array, offset: number): number {
  let pos = offset;
  // Pending bits (fewer than 8 between symbols) right-aligned in `acc`; codes longer than 24 bits are fed in two parts so
  // that acc never needs more than 31 bits.
  let acc = 0;
  let pending = 0;
  for (let i = 0; i < text.length; i++) {
    const symbol = text.charCodeAt(i) & 0xff;
    let code = HUFFMAN_CODES[symbol] ?? 0;
    let length = HUFFMAN_LENGTHS[symbol] ?? 0;
    if (length > 24) {
      acc = (acc << (length - 8)) | (code >>> 8);
      pending += length - 8;
      while (pending >= 8) {
        pending -= 8;
        out[pos++] = acc >>> pending;
      }
      acc &= (1 << pending) - 1;
      code &= 0xff;
      length = 8;
    }
    acc = (acc << length) | code;
    pending += length;
    while (pending >= 8) {
      pending -= 8;
      out[pos++] = acc >>> pending;
    }
    acc &= (1 << pending) - 1;
  }
  // Pad with the most significant bits of EOS (all ones).
  if (pending > 0) out[pos++] = (acc << (8 - pending)) | (0xff >> pending);
  return pos;
}

/** Huffman-codes a latin1 string (RFC 7541 §5.2). Throws HpackError if the text has a character above U+00FF. */
export function huffmanEncode(text: string): Uint8Array {
  const length = huffmanEncodedLength(text);
  if (length < 0) throw new HpackError('header text contains a character outside latin1', 'invalid-input');
  const out = Buffer.allocUnsafe(length);
  huffmanEncodeInto(text, out, 0);
  return out;
}
