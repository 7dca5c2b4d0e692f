/** Every malformed header block is rejected with an HpackError (a COMPRESSION_ERROR at the connection level). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackError, HpackEncoder, type HpackErrorReason } from '../../src/engine/h2/hpack/index.js';

function decode(decoder: HpackDecoder, bytes: number[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  decoder.decode(Uint8Array.from(bytes), (name, value) => out.push([name, value]));
  return out;
}

function assertRejected(bytes: number[], reason: HpackErrorReason, decoder = new HpackDecoder()): void {
  assert.throws(
    () => decode(decoder, bytes),
    (error: unknown) => {
      assert.ok(error instanceof HpackError, `HpackError expected, got ${String(error)}`);
      assert.equal(error.reason, reason, error.message);
      return true;
    },
  );
}

const ascii = (text: string): number[] => Array.from(Buffer.from(text, 'latin1'));

test('indexed field with index 0', () => {
  assertRejected([0x80], 'invalid-index');
});

test('indexed field past the end of the table', () => {
  assertRejected([0xbe], 'invalid-index'); // 62 with an empty dynamic table
  assertRejected([0xff, 0x80, 0x01], 'invalid-index'); // 255
  // With one entry, 62 is valid and 63 is not.
  const decoder = new HpackDecoder();
  assert.deepEqual(decode(decoder, [0x40, 0x01, ...ascii('a'), 0x01, ...ascii('b')]), [['a', 'b']]);
  assert.deepEqual(decode(decoder, [0xbe]), [['a', 'b']]);
  assertRejected([0xbf], 'invalid-index', decoder);
});

test('literal whose name index is past the end of the table', () => {
  assertRejected([0x7f, 0x00, 0x01, ...ascii('v')], 'invalid-index'); // incremental indexing, name index 63
  assertRejected([0x0f, 0x2f, 0x01, ...ascii('v')], 'invalid-index'); // without indexing, name index 62
  assertRejected([0x1f, 0x2f, 0x01, ...ascii('v')], 'invalid-index'); // never indexed, name index 62
});

test('truncated integer', () => {
  assertRejected([0xff], 'truncated');
  assertRejected([0xff, 0x80, 0x80], 'truncated');
  assertRejected([0x3f], 'truncated'); // size update
  assertRejected([0x40, 0x7f], 'truncated'); // string length
});

test('integer overflow', () => {
  // 127 + 0x7f * (1 + 2^7 + 2^14 + 2^21) + 0x0f * 2^28 > 2^31 - 1
  assertRejected([0xff, 0xff, 0xff, 0xff, 0xff, 0x0f], 'integer-overflow');
  // Six continuation octets, even if they would encode a small value.
  assertRejected([0xff, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00], 'integer-overflow');
  // A string length near 2^31.
  assertRejected([0x40, 0x7f, 0xff, 0xff, 0xff, 0xff, 0x0f], 'integer-overflow');
});

test('string length past the end of the block', () => {
  assertRejected([0x40, 0x05, ...ascii('ab')], 'truncated');
  assertRejected([0x04, 0x83, 0x64, 0x0e], 'truncated'); // Huffman value, one octet short
  assertRejected([0x40], 'truncated'); // name string missing entirely
  assertRejected([0x40, 0x01, ...ascii('a')], 'truncated'); // value missing
});

test('Huffman string with bad padding', () => {
  // ":path" (index 4) without indexing, Huffman value 'a' padded with zeros.
  assertRejected([0x04, 0x81, 0x18], 'invalid-huffman');
  // Padding longer than 7 bits.
  assertRejected([0x04, 0x82, 0x1f, 0xff], 'invalid-huffman');
  assert.deepEqual(decode(new HpackDecoder(), [0x04, 0x81, 0x1f]), [[':path', 'a']]);
});

test('Huffman string containing EOS', () => {
  assertRejected([0x04, 0x84, 0xff, 0xff, 0xff, 0xff], 'invalid-huffman');
});

test('dynamic table size update above the advertised maximum', () => {
  // 4096 = 31 + 0x61 + 0x1f * 128 is allowed, 4097 is not.
  const decoder = new HpackDecoder();
  assert.deepEqual(decode(decoder, [0x3f, 0xe1, 0x1f]), []);
  assert.equal(decoder.tableCapacity, 4096);
  assertRejected([0x3f, 0xe2, 0x1f], 'invalid-size-update');
  // After we advertise (and the peer acknowledges) 100, 101 is too large.
  const small = new HpackDecoder();
  small.setMaxTableSize(100);
  assertRejected([0x3f, 0x46], 'invalid-size-update', small);
});

test('dynamic table size update after a header field', () => {
  assertRejected([0x82, 0x20], 'invalid-size-update');
  assertRejected([0x20, 0x82, 0x3f, 0xe1, 0x1f], 'invalid-size-update');
});

test('several size updates at the start of a block are accepted', () => {
  const decoder = new HpackDecoder();
  assert.deepEqual(decode(decoder, [0x40, 0x01, ...ascii('a'), 0x01, ...ascii('b')]), [['a', 'b']]);
  assert.deepEqual(decode(decoder, [0x20, 0x3f, 0xe1, 0x1f, 0x82]), [[':method', 'GET']]);
  assert.equal(decoder.tableCapacity, 4096);
  assert.equal(decoder.tableSize, 0, 'the update to 0 evicted the entry');
});

test('a reduced table size must be acknowledged by a size update at the start of the next block', () => {
  const decoder = new HpackDecoder();
  decoder.setMaxTableSize(100);
  assertRejected([0x82], 'invalid-size-update', decoder);
  const acknowledging = new HpackDecoder();
  acknowledging.setMaxTableSize(100);
  assert.deepEqual(decode(acknowledging, [0x3f, 0x45, 0x82]), [[':method', 'GET']]);
  assert.equal(acknowledging.tableCapacity, 100);
  assert.deepEqual(decode(acknowledging, [0x82]), [[':method', 'GET']], 'only the first block needs the update');
});

test('an advertised size below 4096 applies only once acknowledged', () => {
  // The peer may encode for the default 4096 before it has seen our SETTINGS.
  const decoder = new HpackDecoder({ maxTableSize: 0 });
  assert.deepEqual(decode(decoder, [0x40, 0x01, ...ascii('a'), 0x01, ...ascii('b')]), [['a', 'b']]);
  assert.equal(decoder.tableSize, 34);
  decoder.setMaxTableSize(0);
  assert.equal(decoder.tableSize, 0);
  assertRejected([0xbe], 'invalid-size-update', decoder);
});

test('header list over the cap stops decoding as soon as the cap is passed (HPACK bomb)', () => {
  const decoder = new HpackDecoder({ maxHeaderListSize: 100 });
  // One 63-octet entry (1 + 30 + 32) then 1000 one-octet references to it: ~63 KB of headers from 1 KB of input.
  const block = [0x40, 0x01, ...ascii('a'), 0x1e, ...ascii('x'.repeat(30)), ...new Array<number>(1000).fill(0xbe)];
  let delivered = 0;
  assert.throws(
    () => decoder.decode(Uint8Array.from(block), () => delivered++),
    (error: unknown) => error instanceof HpackError && error.reason === 'header-list-too-large',
  );
  assert.equal(delivered, 1, 'no field past the cap reaches the callback');
  // Exactly at the cap is fine.
  const exact = new HpackDecoder({ maxHeaderListSize: 63 });
  assert.deepEqual(decode(exact, [0x40, 0x01, ...ascii('a'), 0x1e, ...ascii('x'.repeat(30))]), [['a', 'x'.repeat(30)]]);
});

test('a literal that cannot fit under the cap is refused (raw and Huffman)', () => {
  const raw = [0x00, 0x01, ...ascii('a'), 0x7f, 0xe9, 0x06, ...new Array<number>(1000).fill(0x61)]; // 1000-octet value
  assertRejected(raw, 'header-list-too-large', new HpackDecoder({ maxHeaderListSize: 500 }));
  const huffman = new HpackEncoder().encode([['x-big', 'a'.repeat(4000)]]);
  assert.throws(
    () => new HpackDecoder({ maxHeaderListSize: 1000 }).decode(huffman, () => assert.fail('no field expected')),
    (error: unknown) => error instanceof HpackError && error.reason === 'header-list-too-large',
  );
  // Just under the cap passes.
  const fits = new HpackDecoder({ maxHeaderListSize: 32 + 1 + 1000 });
  assert.equal(decode(fits, raw)[0]?.[1].length, 1000);
});

test('the cap counts name + value + 32 octets per field, over the whole block', () => {
  const decoder = new HpackDecoder({ maxHeaderListSize: 3 * (32 + ':method'.length + 3) });
  assert.equal(decode(decoder, [0x82, 0x82, 0x82]).length, 3); // ":method: GET" is 42 octets
  assertRejected([0x82, 0x82, 0x82, 0x82], 'header-list-too-large', decoder);
});

test('a decoder refuses further blocks after an error', () => {
  const decoder = new HpackDecoder();
  assertRejected([0x80], 'invalid-index', decoder);
  assert.throws(() => decode(decoder, [0x82]), HpackError);
});

test('invalid settings are programming errors (RangeError)', () => {
  assert.throws(() => new HpackDecoder({ maxTableSize: -1 }), RangeError);
  assert.throws(() => new HpackDecoder().setMaxTableSize(1.5), RangeError);
  assert.throws(() => new HpackEncoder({ maxTableSize: 2 ** 32 }), RangeError);
});
