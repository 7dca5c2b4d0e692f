/**
 * Bounded fuzz of the decoder: random and mutated header blocks. Only HpackError may escape, the table never exceeds
 * its capacity, the header list cap holds, and memory stays bounded. HPACK_FUZZ_CASES raises the case count offline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import v8 from 'node:v8';
import vm from 'node:vm';
import { HpackDecoder, HpackEncoder, HpackError, STATIC_TABLE } from '../../src/engine/h2/hpack/index.js';

const CASES = Number(process.env.HPACK_FUZZ_CASES ?? 200_000);
const SEED = Number(process.env.HPACK_FUZZ_SEED ?? 0x5eed);
const MAX_LIST = 16384;

/** A callable GC, so that heap figures measure retained memory rather than garbage not yet collected. */
function collectGarbage(): void {
  v8.setFlagsFromString('--expose-gc');
  const gc: unknown = vm.runInNewContext('gc');
  if (typeof gc === 'function') gc();
}

test(`decoder survives ${CASES} random and mutated blocks (seed ${SEED})`, () => {
  let state = SEED >>> 0 || 1;
  const random = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 2 ** 32;
  };
  const int = (n: number): number => Math.floor(random() * n);

  // Seed corpus: valid blocks from an encoder, with and without Huffman, so mutations reach deep into the format.
  const corpus: Uint8Array[] = [];
  const names = [...STATIC_TABLE.map(([name]) => name), 'x-a', 'grpc-trace-bin', 'custom-key'];
  for (const huffman of [true, false]) {
    const encoder = new HpackEncoder({ huffman });
    for (let i = 0; i < 200; i++) {
      if (i % 40 === 39) encoder.setMaxTableSize(int(5000));
      const fields: Array<[string, string]> = [];
      for (let f = int(8); f > 0; f--) {
        fields.push([names[int(names.length)] ?? 'x', String.fromCharCode(...Array.from({ length: int(40) }, () => int(256)))]);
      }
      corpus.push(encoder.encode(fields, i % 7 === 0 ? new Set([fields[0]?.[0] ?? '']) : undefined));
    }
  }

  const mutate = (source: Uint8Array): Uint8Array => {
    const bytes = Array.from(source);
    for (let edits = 1 + int(4); edits > 0; edits--) {
      const at = int(bytes.length + 1);
      switch (int(6)) {
        case 0: bytes[at] = int(256); break; // overwrite
        case 1: bytes.splice(at, 0, int(256)); break; // insert
        case 2: bytes.splice(at, 1 + int(4)); break; // delete
        case 3: bytes.length = Math.min(bytes.length, at); break; // truncate
        case 4: bytes[at] = (bytes[at] ?? 0) ^ (1 << int(8)); break; // bit flip
        default: bytes.splice(at, 0, ...[0xff, 0xff, 0xff, 0xff, 0x0f, 0x7f, 0x80, 0x3f].slice(int(4))); // edge octets
      }
    }
    return Uint8Array.from(bytes);
  };

  let heapBaseline = 0;
  let decoder = new HpackDecoder({ maxHeaderListSize: MAX_LIST });
  let errors = 0;
  let fields = 0;
  const started = Date.now();
  for (let i = 0; i < CASES; i++) {
    if (i === Math.floor(CASES / 10)) {
      // Baseline once every path (and the Huffman scratch buffer) has been exercised.
      collectGarbage();
      heapBaseline = process.memoryUsage().heapUsed;
    }
    let block: Uint8Array;
    const kind = int(10);
    if (kind < 6) block = mutate(corpus[int(corpus.length)] ?? new Uint8Array(0));
    else if (kind < 9) block = Uint8Array.from({ length: int(48) }, () => int(256));
    else block = corpus[int(corpus.length)] ?? new Uint8Array(0); // valid or stale-table references
    let listSize = 0;
    try {
      decoder.decode(block, (name, value) => {
        assert.equal(typeof name, 'string');
        listSize += name.length + value.length + 32;
        fields++;
      });
    } catch (error) {
      if (!(error instanceof HpackError)) throw new Error(`non-HpackError on case ${i}: ${Buffer.from(block).toString('hex')}`, { cause: error });
      errors++;
      decoder = new HpackDecoder({ maxHeaderListSize: MAX_LIST }); // a connection would end here
    }
    assert.ok(listSize <= MAX_LIST, `header list cap exceeded on case ${i}`);
    assert.ok(decoder.tableSize <= decoder.tableCapacity && decoder.tableCapacity <= 4096, `table bound on case ${i}`);
  }
  const elapsedMs = Date.now() - started;
  collectGarbage();
  const heapGrowth = process.memoryUsage().heapUsed - heapBaseline;
  assert.ok(errors > CASES / 10, `most mutations are errors (${errors})`);
  assert.ok(fields > CASES, `many fields decoded (${fields})`);
  assert.ok(heapGrowth < 4 * 1024 * 1024, `retained heap grew by ${heapGrowth} bytes over the run`);
  process.stdout.write(`# hpack fuzz: ${CASES} cases, ${errors} rejected, ${fields} fields, ${elapsedMs} ms, retained heap growth ${(heapGrowth / 1048576).toFixed(2)} MiB\n`);
});
