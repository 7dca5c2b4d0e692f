/**
 * RFC 7541 Appendix C: every example, decoded with the dynamic table checked after each block, and encoded byte for
 * byte (the RFC's encoder indexes every field not in a table and uses Huffman when shorter, like ours).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder } from '../../src/engine/h2/hpack/index.js';

type Fields = Array<[string, string]>;

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ''), 'hex');
}

function decodeAll(decoder: HpackDecoder, block: Uint8Array): Fields {
  const out: Fields = [];
  decoder.decode(block, (name, value) => out.push([name, value]));
  return out;
}

interface Step {
  fields: Fields;
  wire: string;
  table: Fields;
  tableSize: number;
}

/** Runs a sequence of blocks through one decoder and one encoder, as on one connection. */
function runSequence(steps: Step[], huffman: boolean, tableSize = 4096): void {
  const decoder = new HpackDecoder();
  const encoder = new HpackEncoder({ huffman, maxTableSize: tableSize });
  if (tableSize !== 4096) {
    // The RFC examples start with both tables at this size; announce it the HTTP/2 way (a size update before the
    // first block) and check that update on the wire.
    const update = encoder.encode([]); // a block holding the size update alone
    assert.ok(update.length > 0);
    assert.deepEqual(decodeAll(decoder, update), []);
    assert.equal(decoder.tableCapacity, tableSize);
  }
  for (const [i, step] of steps.entries()) {
    const wire = hex(step.wire);
    assert.deepEqual(decodeAll(decoder, wire), step.fields, `block ${i + 1} fields`);
    assert.deepEqual(decoder.tableEntries(), step.table, `block ${i + 1} decoder table`);
    assert.equal(decoder.tableSize, step.tableSize, `block ${i + 1} decoder table size`);
    assert.equal(Buffer.from(encoder.encode(step.fields)).toString('hex'), wire.toString('hex'), `block ${i + 1} encoding`);
    assert.equal(encoder.tableSize, step.tableSize, `block ${i + 1} encoder table size`);
  }
}

test('C.1 integer representation: 10 and 1337 with a 5-bit prefix, 42 on a full octet', () => {
  // 10 fits the 5-bit prefix; 1337 spills into two continuation octets (C.1.2), exercised via a size update whose
  // integer has a 5-bit prefix.
  const decoder = new HpackDecoder({ maxTableSize: 4096 });
  decoder.decode(Uint8Array.of(0x20 | 10), () => assert.fail('no field expected'));
  assert.equal(decoder.tableCapacity, 10);
  decoder.decode(Uint8Array.of(0x3f, 0x9a, 0x0a), () => assert.fail('no field expected'));
  assert.equal(decoder.tableCapacity, 1337);
  const encoder = new HpackEncoder({ maxTableSize: 1337 });
  assert.equal(Buffer.from(encoder.encode([])).toString('hex'), '3f9a0a');
  // 42 on an 8-bit boundary: the length of a 42-octet raw string literal.
  const value = 'x'.repeat(42);
  const block = new HpackEncoder({ huffman: false }).encode([['x-v', value]]);
  assert.equal(block[5], 42);
});

test('C.2.1 literal header field with indexing', () => {
  const decoder = new HpackDecoder();
  const wire = hex('400a 6375 7374 6f6d 2d6b 6579 0d63 7573 746f 6d2d 6865 6164 6572');
  assert.deepEqual(decodeAll(decoder, wire), [['custom-key', 'custom-header']]);
  assert.deepEqual(decoder.tableEntries(), [['custom-key', 'custom-header']]);
  assert.equal(decoder.tableSize, 55);
  const encoder = new HpackEncoder({ huffman: false });
  assert.deepEqual(Buffer.from(encoder.encode([['custom-key', 'custom-header']])), wire);
});

test('C.2.2 literal header field without indexing', () => {
  const decoder = new HpackDecoder();
  const wire = hex('040c 2f73 616d 706c 652f 7061 7468');
  assert.deepEqual(decodeAll(decoder, wire), [[':path', '/sample/path']]);
  assert.deepEqual(decoder.tableEntries(), []);
  assert.equal(decoder.tableSize, 0);
});

test('C.2.3 literal header field never indexed', () => {
  const decoder = new HpackDecoder();
  const wire = hex('1008 7061 7373 776f 7264 0673 6563 7265 74');
  assert.deepEqual(decodeAll(decoder, wire), [['password', 'secret']]);
  assert.equal(decoder.tableSize, 0);
  const encoder = new HpackEncoder({ huffman: false });
  assert.deepEqual(Buffer.from(encoder.encode([['password', 'secret']], new Set(['password']))), wire);
  assert.equal(encoder.tableSize, 0);
});

test('C.2.4 indexed header field', () => {
  const decoder = new HpackDecoder();
  assert.deepEqual(decodeAll(decoder, hex('82')), [[':method', 'GET']]);
  assert.equal(decoder.tableSize, 0);
  assert.deepEqual(Buffer.from(new HpackEncoder().encode([[':method', 'GET']])), hex('82'));
});

const REQUESTS: Array<Omit<Step, 'wire'>> = [
  {
    fields: [[':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com']],
    table: [[':authority', 'www.example.com']],
    tableSize: 57,
  },
  {
    fields: [
      [':method', 'GET'], [':scheme', 'http'], [':path', '/'], [':authority', 'www.example.com'],
      ['cache-control', 'no-cache'],
    ],
    table: [['cache-control', 'no-cache'], [':authority', 'www.example.com']],
    tableSize: 110,
  },
  {
    fields: [
      [':method', 'GET'], [':scheme', 'https'], [':path', '/index.html'], [':authority', 'www.example.com'],
      ['custom-key', 'custom-value'],
    ],
    table: [['custom-key', 'custom-value'], ['cache-control', 'no-cache'], [':authority', 'www.example.com']],
    tableSize: 164,
  },
];

test('C.3 requests without Huffman coding', () => {
  const wires = [
    '8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d',
    '8286 84be 5808 6e6f 2d63 6163 6865',
    '8287 85bf 400a 6375 7374 6f6d 2d6b 6579 0c63 7573 746f 6d2d 7661 6c75 65',
  ];
  runSequence(REQUESTS.map((step, i) => ({ ...step, wire: wires[i] ?? '' })), false);
});

test('C.4 requests with Huffman coding', () => {
  const wires = [
    '8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff',
    '8286 84be 5886 a8eb 1064 9cbf',
    '8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf',
  ];
  runSequence(REQUESTS.map((step, i) => ({ ...step, wire: wires[i] ?? '' })), true);
});

const DATE1 = 'Mon, 21 Oct 2013 20:13:21 GMT';
const DATE2 = 'Mon, 21 Oct 2013 20:13:22 GMT';
const LOCATION = 'https://www.example.com';
const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';

const RESPONSES: Array<Omit<Step, 'wire'>> = [
  {
    fields: [[':status', '302'], ['cache-control', 'private'], ['date', DATE1], ['location', LOCATION]],
    table: [['location', LOCATION], ['date', DATE1], ['cache-control', 'private'], [':status', '302']],
    tableSize: 222,
  },
  {
    // (":status", "302") is evicted to make room for (":status", "307").
    fields: [[':status', '307'], ['cache-control', 'private'], ['date', DATE1], ['location', LOCATION]],
    table: [[':status', '307'], ['location', LOCATION], ['date', DATE1], ['cache-control', 'private']],
    tableSize: 222,
  },
  {
    // Several entries are evicted while this block is processed.
    fields: [
      [':status', '200'], ['cache-control', 'private'], ['date', DATE2], ['location', LOCATION],
      ['content-encoding', 'gzip'], ['set-cookie', COOKIE],
    ],
    table: [['set-cookie', COOKIE], ['content-encoding', 'gzip'], ['date', DATE2]],
    tableSize: 215,
  },
];

test('C.5 responses without Huffman coding (256-octet table, with evictions)', () => {
  const wires = [
    `4803 3330 3258 0770 7269 7661 7465 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3120 474d
     546e 1768 7474 7073 3a2f 2f77 7777 2e65 7861 6d70 6c65 2e63 6f6d`,
    '4803 3330 37c1 c0bf',
    `88c1 611d 4d6f 6e2c 2032 3120 4f63 7420 3230 3133 2032 303a 3133 3a32 3220 474d 54c0 5a04 677a 6970 7738 666f
     6f3d 4153 444a 4b48 514b 425a 584f 5157 454f 5049 5541 5851 5745 4f49 553b 206d 6178 2d61 6765 3d33 3630 303b
     2076 6572 7369 6f6e 3d31`,
  ];
  runSequence(RESPONSES.map((step, i) => ({ ...step, wire: wires[i] ?? '' })), false, 256);
});

test('C.6 responses with Huffman coding (256-octet table, with evictions)', () => {
  const wires = [
    `4882 6402 5885 aec3 771a 4b61 96d0 7abe 9410 54d4 44a8 2005 9504 0b81 66e0 82a6 2d1b ff6e 919d 29ad 1718 63c7
     8f0b 97c8 e9ae 82ae 43d3`,
    '4883 640e ffc1 c0bf',
    `88c1 6196 d07a be94 1054 d444 a820 0595 040b 8166 e084 a62d 1bff c05a 839b d9ab 77ad 94e7 821d d7f2 e6c7 b335
     dfdf cd5b 3960 d5af 2708 7f36 72c1 ab27 0fb5 291f 9587 3160 65c0 03ed 4ee5 b106 3d50 07`,
  ];
  runSequence(RESPONSES.map((step, i) => ({ ...step, wire: wires[i] ?? '' })), true, 256);
});
