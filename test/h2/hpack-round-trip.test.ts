/** Random header lists through one encoder and one decoder, as on a connection, with table size changes between blocks. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HpackDecoder, HpackEncoder, STATIC_TABLE } from '../../src/engine/h2/hpack/index.js';

type Fields = Array<[string, string]>;

function prng(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
}

function randomText(random: () => number, maxLength: number): string {
  const length = Math.floor(random() * maxLength);
  let text = '';
  for (let i = 0; i < length; i++) {
    const r = random();
    // Mostly printable ASCII, some latin1 high octets and control characters.
    text += String.fromCharCode(r < 0.8 ? 0x20 + Math.floor(random() * 95) : Math.floor(random() * 256));
  }
  return text;
}

function runConnection(seed: number, huffman: boolean): void {
  const random = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  // Pools make repetition (and so dynamic-table hits and evictions) likely.
  const names = [...STATIC_TABLE.map(([name]) => name), ...Array.from({ length: 30 }, () => randomText(random, 20))];
  const values = Array.from({ length: 60 }, () => randomText(random, 60));
  const encoder = new HpackEncoder({ huffman, tableSizeLimit: 8192, maxTableSize: 4096 });
  const decoder = new HpackDecoder({ maxTableSize: 8192, maxHeaderListSize: 1 << 20 });
  for (let block = 0; block < 300; block++) {
    if (random() < 0.05) {
      // The decoding side advertises a new SETTINGS_HEADER_TABLE_SIZE: the encoder learns it from SETTINGS, the decoder
      // enforces it once acknowledged; both happen before the next block here. Sometimes twice in a row.
      const sizes = [0, 64, 256, 1000, 4096, 8192];
      for (let changes = random() < 0.3 ? 2 : 1; changes > 0; changes--) {
        const size = pick(sizes);
        encoder.setMaxTableSize(size);
        decoder.setMaxTableSize(size);
      }
    }
    const fields: Fields = [];
    const count = Math.floor(random() * 12);
    for (let i = 0; i < count; i++) {
      const r = random();
      if (r < 0.15) fields.push(pick(STATIC_TABLE) as [string, string]);
      else if (r < 0.2) fields.push([randomText(random, 10), randomText(random, 300)]);
      else fields.push([pick(names), pick(values)]);
    }
    const sensitive = random() < 0.2 ? new Set(fields.filter(() => random() < 0.3).map(([name]) => name)) : undefined;
    const wire = encoder.encode(fields, sensitive);
    const decoded: Fields = [];
    decoder.decode(wire, (name, value) => decoded.push([name, value]));
    assert.deepEqual(decoded, fields, `seed ${seed} block ${block}`);
    assert.deepEqual(decoder.tableEntries(), encoder.tableEntries(), `seed ${seed} block ${block} tables`);
    assert.equal(decoder.tableSize, encoder.tableSize);
    assert.ok(decoder.tableSize <= decoder.tableCapacity);
  }
}

test('random header lists round-trip with Huffman coding, table states equal after every block', () => {
  for (let seed = 1; seed <= 20; seed++) runConnection(seed, true);
});

test('random header lists round-trip without Huffman coding', () => {
  for (let seed = 101; seed <= 120; seed++) runConnection(seed, false);
});
