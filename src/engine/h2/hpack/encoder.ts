/**
 * HPACK encoder (RFC 7541 §4, §6). Indexing policy: a field found in a table is sent as an index; any other field is
 * sent as a literal with incremental indexing (name by index when the name is known), like the RFC 7541 Appendix C
 * examples, except sensitive fields (never indexed), names whose values change on every message (indexed only the
 * first time, so that later values refer to the name without flushing useful entries) and entries larger than 3/4 of
 * the table.
 */
import { BlockWriter } from './block-writer.js';
import { ENTRY_OVERHEAD } from './dynamic-table.js';
import { EncoderTable } from './encoder-table.js';
import { STATIC_LOOKUP } from './static-table.js';

const PROTOCOL_DEFAULT_TABLE_SIZE = 4096;
const MAX_SETTING = 0xffffffff;

/** Header names whose values differ between messages: once one entry has the name, they are sent without indexing. */
export const DEFAULT_UNINDEXED_NAMES: ReadonlySet<string> = new Set([
  'content-length',
  'grpc-timeout',
  'grpc-message',
  'grpc-status-details-bin',
]);

export interface HpackEncoderOptions {
  /** The peer's SETTINGS_HEADER_TABLE_SIZE (default 4096). */
  maxTableSize?: number;
  /** Use Huffman coding for strings when it is shorter (default true). */
  huffman?: boolean;
  /** Upper bound on the table size this encoder uses, whatever the peer allows; bounds memory (default 4096). */
  tableSizeLimit?: number;
  /** Names sent without indexing (default DEFAULT_UNINDEXED_NAMES). */
  unindexedNames?: ReadonlySet<string>;
}

function checkSetting(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 0 || value > MAX_SETTING) {
    throw new RangeError(`${what} must be an integer in [0, 2^32-1], got ${value}`);
  }
  return value;
}

export class HpackEncoder {
  private readonly table: EncoderTable;
  private readonly huffman: boolean;
  private readonly tableSizeLimit: number;
  private readonly unindexedNames: ReadonlySet<string>;
  private readonly writer = new BlockWriter();
  /** Size updates owed to the peer's decoder: the smallest size since the last block, then the final one; -1 = none. */
  private pendingSmallest = -1;
  private pendingFinal = -1;
  /** Changes to the dynamic table so far (insertions, size updates); see tableChanges. */
  private changes = 0;

  constructor(options: HpackEncoderOptions = {}) {
    this.huffman = options.huffman ?? true;
    this.tableSizeLimit = checkSetting(options.tableSizeLimit ?? PROTOCOL_DEFAULT_TABLE_SIZE, 'tableSizeLimit');
    this.unindexedNames = options.unindexedNames ?? DEFAULT_UNINDEXED_NAMES;
    // Both ends start from the protocol default; any other size is announced with a size update.
    this.table = new EncoderTable(PROTOCOL_DEFAULT_TABLE_SIZE);
    this.setMaxTableSize(options.maxTableSize ?? PROTOCOL_DEFAULT_TABLE_SIZE);
  }

  /** Octets used by the dynamic table (for tests and diagnostics). */
  get tableSize(): number {
    return this.table.size;
  }

  /** Entries of the dynamic table, newest first; for tests and diagnostics. */
  tableEntries(): Array<[string, string]> {
    return this.table.entries();
  }

  /** Current dynamic table capacity (after pending size updates are sent). */
  get tableCapacity(): number {
    return this.pendingFinal >= 0 ? this.pendingFinal : this.table.capacity;
  }

  /**
   * Counts every change to the dynamic table (an insertion, a size update). A block made of references only stays
   * valid to send again while this count is unchanged and no size update is pending (see repeated-block.ts).
   */
  get tableChanges(): number {
    return this.changes;
  }

  /** True when the next block must start with a dynamic table size update. */
  get hasPendingSizeUpdate(): boolean {
    return this.pendingFinal >= 0;
  }

  /** The peer changed SETTINGS_HEADER_TABLE_SIZE: a size update goes at the start of the next block. */
  setMaxTableSize(size: number): void {
    checkSetting(size, 'maxTableSize');
    const target = Math.min(size, this.tableSizeLimit);
    const current = this.pendingFinal >= 0 ? this.pendingFinal : this.table.capacity;
    if (target === current && this.pendingFinal < 0) return;
    // RFC 7541 §4.2: if the size went down and back up, the smallest value must be signalled before the final one.
    const smallestSoFar = this.pendingSmallest >= 0 ? this.pendingSmallest : this.table.capacity;
    this.pendingSmallest = Math.min(smallestSoFar, target);
    this.pendingFinal = target;
  }

  /** Encodes a header list into a block. `sensitive` names are never indexed (never-indexed literal, §6.2.3). */
  encode(fields: ReadonlyArray<readonly [string, string]>, sensitive?: ReadonlySet<string>): Uint8Array {
    try {
      this.encodeFields(fields, sensitive);
    } catch (error) {
      this.abandonBlock();
      throw error;
    }
    return this.writer.take();
  }

  /**
   * Like encode, but writes the block into `target` at `offset` (e.g. right after a frame header in an output buffer)
   * and returns the offset after it, saving an allocation and a copy. Throws RangeError if it does not fit; the
   * encoder stays usable, as after any rejected block.
   */
  encodeInto(
    fields: ReadonlyArray<readonly [string, string]>,
    target: Uint8Array,
    offset: number,
    sensitive?: ReadonlySet<string>,
  ): number {
    try {
      this.encodeFields(fields, sensitive);
      if (offset < 0 || offset + this.writer.pos > target.length) {
        throw new RangeError(`header block of ${this.writer.pos} octets does not fit at offset ${offset}`);
      }
    } catch (error) {
      this.abandonBlock();
      throw error;
    }
    return this.writer.moveTo(target, offset);
  }

  /**
   * A block was encoded (fields may have been inserted into our table) but will never be sent: make the next block
   * start with size updates to 0 and back, which empties the peer's table and ours, so both are in sync again.
   */
  private abandonBlock(): void {
    this.writer.pos = 0;
    this.pendingSmallest = 0;
    this.pendingFinal = this.tableCapacity;
  }

  private encodeFields(fields: ReadonlyArray<readonly [string, string]>, sensitive: ReadonlySet<string> | undefined): void {
    const writer = this.writer;
    const table = this.table;
    writer.pos = 0;
    if (this.pendingFinal >= 0) this.writeSizeUpdates();
    for (let i = 0; i < fields.length; i++) {
      const field = fields[i];
      if (field === undefined) continue;
      const name = field[0];
      const value = field[1];
      writer.reserve(BlockWriter.fieldBound(name, value));
      const record = table.lookup(name);
      let nameIndex = 0;
      if (record !== undefined) {
        if (record.staticValues !== null) {
          const index = record.staticValues.get(value);
          if (index !== undefined) {
            writer.writeInteger(index, 0x7f, 0x80);
            continue;
          }
        }
        if (record.values !== null && (sensitive === undefined || !sensitive.has(name))) {
          const seq = record.values.get(value);
          if (seq !== undefined) {
            writer.writeInteger(table.indexOf(seq), 0x7f, 0x80);
            continue;
          }
        }
        nameIndex = record.staticIndex !== 0 ? record.staticIndex : record.latest >= 0 ? table.indexOf(record.latest) : 0;
      }
      if (sensitive !== undefined && sensitive.has(name)) {
        // Never indexed (§6.2.3); the name may still come from a table.
        writer.writeInteger(nameIndex, 0x0f, 0x10);
        this.writeLiteralRest(nameIndex, name, value);
        continue;
      }
      // An unindexed name is still indexed once (while no table has it), so later values can refer to the name.
      if (
        name.length + value.length + ENTRY_OVERHEAD <= (table.capacity * 3) / 4 &&
        (nameIndex === 0 || !this.unindexedNames.has(name))
      ) {
        writer.writeInteger(nameIndex, 0x3f, 0x40);
        this.writeLiteralRest(nameIndex, name, value);
        table.insert(name, value);
        this.changes++;
      } else {
        writer.writeInteger(nameIndex, 0x0f, 0x00);
        this.writeLiteralRest(nameIndex, name, value);
      }
    }
  }

  private writeLiteralRest(nameIndex: number, name: string, value: string): void {
    if (nameIndex === 0) this.writer.writeString(name, this.huffman);
    this.writer.writeString(value, this.huffman);
  }

  private writeSizeUpdates(): void {
    const writer = this.writer;
    writer.reserve(12);
    if (this.pendingSmallest < this.pendingFinal) {
      writer.writeInteger(this.pendingSmallest, 0x1f, 0x20);
      this.table.setCapacity(this.pendingSmallest);
    }
    writer.writeInteger(this.pendingFinal, 0x1f, 0x20);
    this.table.setCapacity(this.pendingFinal);
    this.changes++;
    this.pendingSmallest = -1;
    this.pendingFinal = -1;
  }
}
