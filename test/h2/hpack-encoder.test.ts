/** Encoder choices: indexing policy, sensitive fields, size updates, cacheable static blocks, invalid input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder, HpackError } from '../../src/engine/h2/hpack/index.js';

type Fields = Array<[string, string]>;

function decodeAll(decoder: HpackDecoder, block: Uint8Array): Fields {
  const out: Fields = [];
  decoder.decode(block, (name, value) => out.push([name, value]));
  return out;
}

const REQUEST: Fields = [
  [':method', 'POST'],
  [':scheme', 'http'],
  [':path', '/fastgrpc.echo.v1.EchoService/Echo'],
  [':authority', '127.0.0.1:50051'],
  ['content-type', 'application/grpc'],
  ['te', 'trailers'],
  ['user-agent', 'fastgrpc/0.1.0'],
];

test('a repeated request becomes one index octet per field', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const first = encoder.encode(REQUEST);
  assert.deepEqual(decodeAll(decoder, first), REQUEST);
  const second = encoder.encode(REQUEST);
  assert.equal(second.length, REQUEST.length);
  assert.ok(second.every((octet) => octet >= 0x80), 'all fields indexed');
  assert.deepEqual(decodeAll(decoder, second), REQUEST);
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
});

test('sensitive fields are never-indexed literals and stay out of the table', () => {
  const encoder = new HpackEncoder({ huffman: false });
  const block = encoder.encode([['authorization', 'Bearer xyz']], new Set(['authorization']));
  // 0001 + 4-bit name index 15 + continuation 8 (authorization = static 23).
  assert.deepEqual(Array.from(block.subarray(0, 3)), [0x1f, 0x08, 10]);
  assert.equal(encoder.tableSize, 0);
  const again = encoder.encode([['authorization', 'Bearer xyz']], new Set(['authorization']));
  assert.deepEqual(again, block, 'still a literal the second time');
  const decoder = new HpackDecoder();
  assert.deepEqual(decodeAll(decoder, block), [['authorization', 'Bearer xyz']]);
  assert.equal(decoder.tableSize, 0);
});

test('per-message names (grpc-timeout, grpc-message...) are indexed once, then sent without indexing', () => {
  const encoder = new HpackEncoder({ huffman: false });
  const decoder = new HpackDecoder();
  decodeAll(decoder, encoder.encode([['grpc-timeout', '99m'], ['content-length', '5']]));
  // content-length has a static name: never indexed. grpc-timeout gets one entry so its name can be referenced.
  assert.deepEqual(encoder.tableEntries(), [['grpc-timeout', '99m']]);
  const block = encoder.encode([['grpc-timeout', '98m'], ['grpc-timeout', '99m']]);
  // 0000 + 4-bit name index 15 + continuation 47 (= 62), raw value; then the exact match as index 62.
  assert.deepEqual(Array.from(block), [0x0f, 0x2f, 0x03, ...Buffer.from('98m'), 0xbe]);
  assert.deepEqual(decodeAll(decoder, block), [['grpc-timeout', '98m'], ['grpc-timeout', '99m']]);
  assert.deepEqual(encoder.tableEntries(), [['grpc-timeout', '99m']]);
  const custom = new HpackEncoder({ unindexedNames: new Set() });
  custom.encode([['grpc-timeout', '99m']]);
  custom.encode([['grpc-timeout', '98m']]);
  assert.equal(custom.tableEntries().length, 2);
});

test('entries larger than 3/4 of the table are not indexed', () => {
  const encoder = new HpackEncoder({ maxTableSize: 200 });
  encoder.encode([]);
  encoder.encode([['x-big', 'v'.repeat(200 * 0.75 - 32 - 5 + 1)]]);
  assert.equal(encoder.tableSize, 0);
  encoder.encode([['x-big', 'v'.repeat(200 * 0.75 - 32 - 5)]]);
  assert.equal(encoder.tableSize, 150);
});

test('a table size change is sent at the start of the next block, smallest value first', () => {
  const encoder = new HpackEncoder({ huffman: false });
  const decoder = new HpackDecoder();
  decodeAll(decoder, encoder.encode([['x-a', '1']]));
  assert.equal(encoder.tableSize, 36);

  encoder.setMaxTableSize(0);
  encoder.setMaxTableSize(4096);
  decoder.setMaxTableSize(0);
  decoder.setMaxTableSize(4096);
  const block = encoder.encode([['x-a', '1']]);
  // 001 00000 (size 0), 001 11111 + 4096-31 (size 4096), then x-a is a new literal again (the table was emptied).
  assert.deepEqual(Array.from(block.subarray(0, 4)), [0x20, 0x3f, 0xe1, 0x1f]);
  assert.equal(block[4], 0x40);
  assert.deepEqual(decodeAll(decoder, block), [['x-a', '1']]);
  assert.equal(decoder.tableCapacity, 4096);
  assert.equal(encoder.encode([]).length, 0, 'the update is sent once');
});

test('a reduction is applied by the encoder and enforced by the decoder', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  for (let i = 0; i < 10; i++) decodeAll(decoder, encoder.encode([[`x-${i}`, 'value']]));
  encoder.setMaxTableSize(100);
  decoder.setMaxTableSize(100);
  assert.equal(encoder.hasPendingSizeUpdate, true);
  const block = encoder.encode([['x-9', 'value']]);
  assert.deepEqual(decodeAll(decoder, block), [['x-9', 'value']]);
  assert.equal(decoder.tableCapacity, 100);
  assert.ok(encoder.tableSize <= 100);
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
});

test('the encoder never uses more than tableSizeLimit, whatever the peer allows', () => {
  const encoder = new HpackEncoder({ maxTableSize: 1 << 20, tableSizeLimit: 4096 });
  assert.equal(encoder.hasPendingSizeUpdate, false);
  assert.equal(encoder.tableCapacity, 4096);
  const decoder = new HpackDecoder({ maxTableSize: 1 << 20 });
  for (let i = 0; i < 500; i++) decodeAll(decoder, encoder.encode([[`x-${i}`, 'v'.repeat(50)]]));
  assert.ok(encoder.tableSize <= 4096);
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
});

test('a pending size update can be sent as a block of its own (an empty header list)', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeAll(decoder, encoder.encode([['x-a', 'b']]));
  encoder.setMaxTableSize(0);
  decoder.setMaxTableSize(0);
  const update = encoder.encode([]);
  assert.ok(update.length > 0);
  assert.deepEqual(decodeAll(decoder, update), []);
  assert.equal(decoder.tableCapacity, 0);
  assert.equal(encoder.encode([]).length, 0, "no update is owed any more");
  assert.equal(encoder.hasPendingSizeUpdate, false);
  // The next block carries no update of its own and decodes against the emptied table.
  assert.deepEqual(decodeAll(decoder, encoder.encode([[':status', '200'], ['x-a', 'b']])), [[':status', '200'], ['x-a', 'b']]);
  assert.deepEqual(decoder.tableEntries(), []);
});

test('a field outside latin1 is rejected, and both tables are emptied by the next block to stay in sync', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  decodeAll(decoder, encoder.encode([['x-before', '1']]));
  // x-ok is inserted into the encoder's table before x-bad fails; that block is never sent.
  assert.throws(() => encoder.encode([['x-ok', 'fine'], ['x-bad', 'caf\u00e9 \u2603']]), HpackError);
  const block = encoder.encode([['x-ok', 'fine'], ['x-latin1', 'caf\u00e9'], ['x-before', '1']]);
  // Size update to 0, then back to 4096.
  assert.deepEqual(Array.from(block.subarray(0, 4)), [0x20, 0x3f, 0xe1, 0x1f]);
  assert.deepEqual(decodeAll(decoder, block), [['x-ok', 'fine'], ['x-latin1', 'caf\u00e9'], ['x-before', '1']]);
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
  assert.equal(decoder.tableEntries().length, 3);
});

test('names and values of any length use multi-octet integers correctly', () => {
  const encoder = new HpackEncoder({ huffman: false, tableSizeLimit: 1 << 16, maxTableSize: 1 << 16 });
  const decoder = new HpackDecoder({ maxTableSize: 1 << 16, maxHeaderListSize: 1 << 20 });
  const fields: Fields = [['x-long', 'z'.repeat(20000)], ['y'.repeat(300), ''], ['', 'empty name']];
  assert.deepEqual(decodeAll(decoder, encoder.encode(fields)), fields);
  assert.deepEqual(decodeAll(decoder, encoder.encode(fields)), fields);
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
});

test('encodeInto writes the block into a caller buffer; a block that does not fit is abandoned safely', () => {
  const encoder = new HpackEncoder();
  const decoder = new HpackDecoder();
  const out = new Uint8Array(256).fill(0xee);
  const end = encoder.encodeInto(REQUEST, out, 9);
  assert.equal(out[8], 0xee, 'octets before the offset are untouched');
  assert.deepEqual(decodeAll(decoder, out.subarray(9, end)), REQUEST);
  const warmEnd = encoder.encodeInto(REQUEST, out, 9);
  assert.equal(warmEnd - 9, REQUEST.length);
  assert.deepEqual(decodeAll(decoder, out.subarray(9, warmEnd)), REQUEST);

  assert.throws(() => encoder.encodeInto([['x-new', 'v'.repeat(100)]], new Uint8Array(20), 0), RangeError);
  const block = encoder.encode([['x-new', 'w']]);
  assert.deepEqual(Array.from(block.subarray(0, 4)), [0x20, 0x3f, 0xe1, 0x1f], 'tables emptied by size updates');
  assert.deepEqual(decodeAll(decoder, block), [['x-new', 'w']]);
  assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
});
