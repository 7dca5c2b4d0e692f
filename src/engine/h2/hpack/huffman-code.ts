/**
 * The HPACK Huffman code (RFC 7541 Appendix B). The code is canonical (§B: "a canonical Huffman code"), so the table
 * is fully described by each symbol's code length; codes are assigned in (length, symbol) order at module load.
 */

/** Code length in bits of symbols 0..255 and of EOS (256). */
const CODE_LENGTHS: readonly number[] = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28,  // 0-15
  28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,  // 16-31
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6,  // 32-47
  5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,  // 48-63
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,  // 64-79
  7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,  // 80-95
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5,  // 96-111
  6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,  // 112-127
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23,  // 128-143
  24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,  // 144-159
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23,  // 160-175
  21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,  // 176-191
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25,  // 192-207
  19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,  // 208-223
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23,  // 224-239
  26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,  // 240-255
  30,  // 256-256
];

export const EOS = 256;
export const SYMBOL_COUNT = 257;

/** Right-aligned code of each symbol (as the "code as hex" column of Appendix B). */
export const HUFFMAN_CODES = new Uint32Array(SYMBOL_COUNT);
/** Length in bits of each symbol's code. */
export const HUFFMAN_LENGTHS = new Uint8Array(CODE_LENGTHS);

function assignCanonicalCodes(): void {
  const order = Array.from({ length: SYMBOL_COUNT }, (_, symbol) => symbol);
  order.sort((a, b) => (HUFFMAN_LENGTHS[a] ?? 0) - (HUFFMAN_LENGTHS[b] ?? 0) || a - b);
  let code = 0;
  let previousLength = 0;
  for (let i = 0; i < order.length; i++) {
    const symbol = order[i] ?? 0;
    const length = HUFFMAN_LENGTHS[symbol] ?? 0;
    if (i > 0) code = (code + 1) * 2 ** (length - previousLength);
    previousLength = length;
    HUFFMAN_CODES[symbol] = code;
  }
}

assignCanonicalCodes();
