/** Huffman coding (RFC 7541 §5.2, Appendix B): code table, round trips, and rejection of invalid padding and EOS. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackError, huffmanDecode, huffmanEncode } from '../../src/engine/h2/hpack/index.js';
import { HUFFMAN_CODES, HUFFMAN_LENGTHS } from '../../src/engine/h2/hpack/huffman-code.js';

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex');
}

function latin1(bytes: number[]): string {
  return String.fromCharCode(...bytes);
}

test('codes derived from the code lengths match Appendix B', () => {
  // [symbol, code as hex (LSB aligned), length] rows copied from RFC 7541 Appendix B.
  const rows: Array<[number, number, number]> = [
    [0, 0x1ff8, 13], [1, 0x7fffd8, 23], [10, 0x3ffffffc, 30], [13, 0x3ffffffd, 30], [22, 0x3ffffffe, 30],
    [32, 0x14, 6], [47, 0x18, 6], [48, 0x0, 5], [58, 0x5c, 7], [97, 0x3, 5], [123, 0x7ffe, 15],
    [127, 0xffffffc, 28], [128, 0xfffe6, 20], [200, 0x3ffffe2, 26], [203, 0x7ffffde, 27], [254, 0x7fffff0, 27],
    [255, 0x3ffffee, 26], [256, 0x3fffffff, 30],
  ];
  for (const [symbol, code, length] of rows) {
    assert.equal(HUFFMAN_CODES[symbol], code, `code of ${symbol}`);
    assert.equal(HUFFMAN_LENGTHS[symbol], length, `length of ${symbol}`);
  }
});

test('encodes the RFC 7541 C.4 and C.6 strings', () => {
  assert.equal(hex(huffmanEncode('www.example.com')), 'f1e3c2e5f23a6ba0ab90f4ff');
  assert.equal(hex(huffmanEncode('no-cache')), 'a8eb10649cbf');
  assert.equal(hex(huffmanEncode('custom-key')), '25a849e95ba97d7f');
  assert.equal(hex(huffmanEncode('302')), '6402');
  assert.equal(hex(huffmanEncode('Mon, 21 Oct 2013 20:13:21 GMT')), 'd07abe941054d444a8200595040b8166e082a62d1bff');
  assert.equal(huffmanDecode(Buffer.from('9d29ad171863c78f0b97c8e9ae82ae43d3', 'hex')), 'https://www.example.com');
  assert.equal(huffmanDecode(new Uint8Array(0)), '');
  // '/' is 011000: padded with ones to 01100011.
  assert.equal(hex(huffmanEncode('/')), '63');
});

test('every octet value round-trips, including 30-bit codes', () => {
  const all = latin1(Array.from({ length: 256 }, (_, i) => i));
  assert.equal(huffmanDecode(huffmanEncode(all)), all);
  for (let symbol = 0; symbol < 256; symbol++) {
    const text = String.fromCharCode(symbol).repeat(1 + (symbol % 9));
    assert.equal(huffmanDecode(huffmanEncode(text)), text, `symbol ${symbol}`);
  }
});

test('random strings round-trip and the encoded length matches the code lengths', () => {
  let seed = 12345;
  const next = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed >>> 0;
  };
  for (let i = 0; i < 2000; i++) {
    const length = next() % 80;
    const bytes = Array.from({ length }, () => (next() % 4 === 0 ? next() % 256 : 32 + (next() % 95)));
    const text = latin1(bytes);
    const encoded = huffmanEncode(text);
    const bits = bytes.reduce((sum, b) => sum + (HUFFMAN_LENGTHS[b] ?? 0), 0);
    assert.equal(encoded.length, Math.ceil(bits / 8));
    assert.equal(huffmanDecode(encoded), text);
  }
});

function assertHuffmanError(bytes: number[], what: string): void {
  assert.throws(
    () => huffmanDecode(Uint8Array.from(bytes)),
    (error: unknown) => error instanceof HpackError && error.reason === 'invalid-huffman',
    what,
  );
}

test('rejects padding longer than 7 bits', () => {
  // 'a' (00011) + 111 is valid; a further all-ones octet makes 11 bits of padding.
  assert.equal(huffmanDecode(Uint8Array.of(0x1f)), 'a');
  assertHuffmanError([0x1f, 0xff], '11 bits of padding');
  assertHuffmanError([0xff], '8 bits of padding alone');
});

test('rejects padding that is not a prefix of EOS (not all ones)', () => {
  // 'a' (00011) + 000: the padding bits are zeros.
  assertHuffmanError([0x18], 'zero padding');
  // 'a' + 110
  assertHuffmanError([0x1e], 'mixed padding');
});

test('rejects an EOS symbol inside the string', () => {
  // EOS (30 ones) followed by 2 padding ones.
  assertHuffmanError([0xff, 0xff, 0xff, 0xff], 'EOS alone');
  // 'a' (00011) then EOS: 00011111 11111111 11111111 11111111 11111000 → EOS completes inside the string.
  assertHuffmanError([0x1f, 0xff, 0xff, 0xff, 0xf8], 'EOS after a symbol');
});

test('the table-driven decoder agrees with a bit-by-bit reference decoder on random input', () => {
  const symbolByCode = new Map<string, number>();
  for (let symbol = 0; symbol <= 256; symbol++) {
    symbolByCode.set(`${HUFFMAN_LENGTHS[symbol]}:${HUFFMAN_CODES[symbol]}`, symbol);
  }
  const reference = (bytes: Uint8Array): string | null => {
    let out = '';
    let code = 0;
    let length = 0;
    for (const byte of bytes) {
      for (let bit = 7; bit >= 0; bit--) {
        code = code * 2 + ((byte >> bit) & 1);
        length++;
        const symbol = symbolByCode.get(`${length}:${code}`);
        if (symbol === undefined) continue;
        if (symbol === 256) return null;
        out += String.fromCharCode(symbol);
        code = 0;
        length = 0;
      }
    }
    return length <= 7 && code === 2 ** length - 1 ? out : null;
  };
  let seed = 99;
  const next = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed >>> 8;
  };
  let valid = 0;
  for (let i = 0; i < 20000; i++) {
    const bytes = Uint8Array.from({ length: 1 + (next() % 6) }, () =>
      // Bias towards ones so that long codes and EOS prefixes occur.
      next() % 3 === 0 ? 0xff : next() % 256,
    );
    const expected = reference(bytes);
    if (expected === null) {
      assert.throws(() => huffmanDecode(bytes), HpackError, hex(bytes));
    } else {
      valid++;
      assert.equal(huffmanDecode(bytes), expected, hex(bytes));
    }
  }
  assert.ok(valid > 1000, `enough valid inputs were generated (${valid})`);
});

test('rejects text outside latin1 when encoding', () => {
  assert.throws(() => huffmanEncode('caf\u00e9 \u20ac'), HpackError);
  assert.equal(huffmanDecode(huffmanEncode('caf\u00e9')), 'caf\u00e9');
});
