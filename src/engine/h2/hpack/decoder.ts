/**
 * HPACK decoder (RFC 7541 §3, §6). Decodes complete header blocks, keeping the dynamic table in sync with the peer's
 * encoder. Every malformed input becomes an HpackError; after one, the decoder refuses further blocks because its
 * table no longer matches the peer's (the connection must end with COMPRESSION_ERROR anyway).
 */
import { Buffer } from 'node:buffer';
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { HpackError } from './errors.js';
import { huffmanDecodeRange } from './huffman.js';
import { latin1String } from './latin1.js';
import { STATIC_NAMES, STATIC_TABLE_LENGTH, STATIC_VALUES } from './static-table.js';

/** SETTINGS_HEADER_TABLE_SIZE initial value (RFC 9113 §6.5.2). */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;
export const DEFAULT_MAX_HEADER_LIST_SIZE = 65536;
/** Largest integer accepted in a block: 2^31 - 1 (no legitimate index, length or size comes near it). */
const MAX_INTEGER = 0x7fffffff;
/** Continuation octets accepted after a full prefix: 5 carry 35 bits, enough for any value up to MAX_INTEGER. */
const MAX_CONTINUATION_OCTETS = 5;
const MAX_SETTING = 0xffffffff;

export interface HpackDecoderOptions {
  /** SETTINGS_HEADER_TABLE_SIZE we advertise (default 4096). */
  maxTableSize?: number;
  /** Cap on the decoded header list, counted as name + value + 32 octets per field (RFC 9113 §6.5.2); default 65536. */
  maxHeaderListSize?: number;
}

function checkSetting(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_SETTING) {
    throw new RangeError(`${what} must be an integer in [0, 2^32-1], got ${value}`);
  }
  return value;
}

const EMPTY = new Uint8Array(0);
/** The literal cache of a decoder that has not used it yet: shared, never written (see cachedLiteral). */
const NO_CACHE_KEYS = new Int32Array(0);
const NO_CACHE_STRINGS: string[] = [];

/**
 * Literal strings that are sent again and again without indexing (nghttp2 and h2load never index :path, so every
 * request carries it as a Huffman literal) are decoded once: a small direct-mapped cache from the encoded octets
 * to the string. A hit costs one octet comparison instead of a Huffman decode and a string allocation, and hands
 * back the same string object, whose hash V8 has already computed for the route lookup.
 */
const LITERAL_CACHE_SLOTS = 16;
const LITERAL_CACHE_MAX_OCTETS = 128;

export class HpackDecoder {
  private readonly table: DynamicTable;
  /** Largest size a dynamic table size update may carry. */
  private maxTableSize: number;
  private readonly maxHeaderListSize: number;
  /** Set when our advertised size dropped below the table's capacity: the next block must start with a size update. */
  private sizeUpdateRequired = false;
  /** Set while a block is being decoded and left set if decoding throws. */
  private broken = false;

  // Cursor over the block being decoded.
  private src: Uint8Array = EMPTY;
  private pos = 0;
  private end = 0;
  /** Octets the strings of the current field may still decode to before the header list cap is passed. */
  private listBudget = 0;
  /**
   * The literal cache, made on first use: slot i keeps its encoded octets at i * LITERAL_CACHE_MAX_OCTETS in the
   * arena, a key (length + 1, negated for Huffman; 0 = empty) and the decoded string.
   */
  private cacheArena: Uint8Array = EMPTY;
  private cacheKeys: Int32Array = NO_CACHE_KEYS;
  private cacheStrings: string[] = NO_CACHE_STRINGS;

  constructor(options: HpackDecoderOptions = {}) {
    const advertised = checkSetting(options.maxTableSize ?? DEFAULT_HEADER_TABLE_SIZE, 'maxTableSize');
    this.maxHeaderListSize = checkSetting(
      options.maxHeaderListSize ?? DEFAULT_MAX_HEADER_LIST_SIZE,
      'maxHeaderListSize',
    );
    // The peer may encode with the protocol default (4096) until it has seen our SETTINGS, so a smaller advertised
    // size only takes effect through setMaxTableSize, called once the peer has acknowledged it.
    this.maxTableSize = Math.max(advertised, DEFAULT_HEADER_TABLE_SIZE);
    this.table = new DynamicTable(DEFAULT_HEADER_TABLE_SIZE);
  }

  /** Octets used by the dynamic table (for tests and diagnostics). */
  get tableSize(): number {
    return this.table.size;
  }

  /** Current dynamic table capacity, as set by the peer's last size update. */
  get tableCapacity(): number {
    return this.table.capacity;
  }

  /** Entries of the dynamic table, newest first (HPACK index 62 first); for tests and diagnostics. */
  tableEntries(): Array<[string, string]> {
    return this.table.entries();
  }

  /** Our advertised SETTINGS_HEADER_TABLE_SIZE changed and the peer acknowledged it. */
  setMaxTableSize(size: number): void {
    checkSetting(size, 'maxTableSize');
    this.maxTableSize = size;
    if (size < this.table.capacity) {
      // RFC 7541 §4.2: the peer must acknowledge a reduction with a size update at the start of its next block.
      this.table.setCapacity(size);
      this.sizeUpdateRequired = true;
    }
  }

  /**
   * Decodes one complete header block, calling onField for each field in order. Throws HpackError on malformed input,
   * on a size update that is too large or not at the start of the block, or as soon as the decoded list exceeds
   * maxHeaderListSize. `start` and `end` delimit the block inside `block` (a frame in a socket chunk, no copy).
   */
  decode(
    block: Uint8Array,
    onField: (name: string, value: string) => void,
    start = 0,
    end: number = block.length,
  ): void {
    if (this.broken) throw new HpackError('HPACK decoder is unusable after a previous error', 'invalid-input');
    if (start < 0 || end > block.length || start > end) throw new RangeError(`invalid block range [${start}, ${end})`);
    this.broken = true;
    const src = block;
    this.src = src;
    this.pos = start;
    this.end = end;
    const table = this.table;
    const maxListSize = this.maxHeaderListSize;
    let listSize = 0;
    this.listBudget = maxListSize - ENTRY_OVERHEAD;
    let sawField = false;

    while (this.pos < this.end) {
      const first = src[this.pos] ?? 0;
      let name: string;
      let value: string;
      if (!sawField && (first & 0xe0) !== 0x20) {
        if (this.sizeUpdateRequired) {
          throw new HpackError('header block does not start with the required dynamic table size update', 'invalid-size-update');
        }
        sawField = true;
      }
      if (first >= 0x80) {
        // Indexed header field (§6.1).
        const index = this.readInteger(0x7f);
        if (index <= STATIC_TABLE_LENGTH) {
          if (index === 0) throw new HpackError('indexed header field with index 0', 'invalid-index');
          name = STATIC_NAMES[index] ?? '';
          value = STATIC_VALUES[index] ?? '';
        } else {
          const relative = index - STATIC_TABLE_LENGTH - 1;
          if (relative >= table.length) throw indexError(index, table.length);
          name = table.nameAt(relative);
          value = table.valueAt(relative);
        }
      } else if (first >= 0x40) {
        // Literal with incremental indexing (§6.2.1).
        name = this.readName(0x3f);
        value = this.readString();
        table.insert(name, value);
      } else if (first >= 0x20) {
        // Dynamic table size update (§6.3): only before the first field of a block.
        if (sawField) throw new HpackError('dynamic table size update after a header field', 'invalid-size-update');
        const size = this.readInteger(0x1f);
        if (size > this.maxTableSize) {
          throw new HpackError(
            `dynamic table size update to ${size} exceeds the maximum ${this.maxTableSize}`,
            'invalid-size-update',
          );
        }
        table.setCapacity(size);
        this.sizeUpdateRequired = false;
        continue;
      } else {
        // Literal without indexing (0000) or never indexed (0001) (§6.2.2, §6.2.3).
        name = this.readName(0x0f);
        value = this.readString();
      }
      listSize += name.length + value.length + ENTRY_OVERHEAD;
      if (listSize > maxListSize) throw listTooLarge(maxListSize);
      this.listBudget = maxListSize - listSize - ENTRY_OVERHEAD;
      onField(name, value);
    }
    // Do not keep the caller's block alive.
    this.src = EMPTY;
    this.broken = false;
  }

  /** Reads an integer with an N-bit prefix (§5.1), `prefixMax` = 2^N - 1, from the octet at the cursor. */
  private readInteger(prefixMax: number): number {
    const src = this.src;
    let value = (src[this.pos++] ?? 0) & prefixMax;
    if (value < prefixMax) return value;
    let multiplier = 1;
    for (let count = 0; ; count++) {
      if (this.pos >= this.end) throw new HpackError('header block ends inside an integer', 'truncated');
      if (count === MAX_CONTINUATION_OCTETS) throw new HpackError('integer is too long', 'integer-overflow');
      const octet = src[this.pos++] ?? 0;
      value += (octet & 0x7f) * multiplier;
      if (octet < 0x80) break;
      multiplier *= 128;
    }
    if (value > MAX_INTEGER) throw new HpackError('integer exceeds 2^31-1', 'integer-overflow');
    return value;
  }

  /** Reads the name of a literal field: an index with a prefix of `prefixMax` bits, or a literal string if it is 0. */
  private readName(prefixMax: number): string {
    const index = this.readInteger(prefixMax);
    if (index === 0) return this.readString();
    if (index <= STATIC_TABLE_LENGTH) return STATIC_NAMES[index] ?? '';
    const relative = index - STATIC_TABLE_LENGTH - 1;
    if (relative >= this.table.length) throw indexError(index, this.table.length);
    return this.table.nameAt(relative);
  }

  /** Reads a string literal (§5.2). */
  private readString(): string {
    if (this.pos >= this.end) throw new HpackError('header block ends before a string literal', 'truncated');
    const huffman = ((this.src[this.pos] ?? 0) & 0x80) !== 0;
    const length = this.readInteger(0x7f);
    const start = this.pos;
    if (length > this.end - start) throw new HpackError('string literal runs past the end of the header block', 'truncated');
    this.pos = start + length;
    if (length === 0) return '';
    // Refuse a string that cannot fit the cap before decoding it (Huffman decodes to at least 8/30 octet per octet).
    if ((huffman ? Math.floor((length * 8) / 30) : length) > this.listBudget) throw listTooLarge(this.maxHeaderListSize);
    const text = length <= LITERAL_CACHE_MAX_OCTETS
      ? this.cachedLiteral(huffman, start, length)
      : huffman ? huffmanDecodeRange(this.src, start, start + length) : latin1String(this.src, start, start + length);
    this.listBudget -= text.length;
    return text;
  }

  /** A literal through the cache (see LITERAL_CACHE_SLOTS); decodes and remembers it on a miss. */
  private cachedLiteral(huffman: boolean, start: number, length: number): string {
    const src = this.src;
    const end = start + length;
    if (this.cacheKeys.length === 0) {
      // From Buffer's shared pool (2 KiB < 4 KiB): a fresh connection's first block stays cheap. A slot's octets
      // are only read once its key says they were written.
      this.cacheArena = Buffer.allocUnsafe(LITERAL_CACHE_SLOTS * LITERAL_CACHE_MAX_OCTETS);
      this.cacheKeys = new Int32Array(LITERAL_CACHE_SLOTS);
      this.cacheStrings = Array.from({ length: LITERAL_CACHE_SLOTS }, () => '');
    }
    const key = huffman ? -(length + 1) : length + 1;
    const slot = (length * 7 + (src[start] ?? 0) + (src[end - 1] ?? 0) * 3 + (huffman ? 5 : 0)) & (LITERAL_CACHE_SLOTS - 1);
    const arena = this.cacheArena;
    const at = slot * LITERAL_CACHE_MAX_OCTETS;
    if (this.cacheKeys[slot] === key) {
      let i = 0;
      while (i < length && arena[at + i] === src[start + i]) i++;
      if (i === length) return this.cacheStrings[slot] ?? '';
    }
    const text = huffman ? huffmanDecodeRange(src, start, end) : latin1String(src, start, end);
    arena.set(src.subarray(start, end), at);
    this.cacheKeys[slot] = key;
    this.cacheStrings[slot] = text;
    return text;
  }

}

function listTooLarge(maxListSize: number): HpackError {
  return new HpackError(`decoded header list exceeds ${maxListSize} octets`, 'header-list-too-large');
}

function indexError(index: number, dynamicLength: number): HpackError {
  return new HpackError(
    `index ${index} is past the end of the table (${STATIC_TABLE_LENGTH} static + ${dynamicLength} dynamic entries)`,
    'invalid-index',
  );
}
