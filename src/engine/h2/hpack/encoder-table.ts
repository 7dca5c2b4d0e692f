/**
 * The encoder's copy of the dynamic table, with one lookup record per header name covering both the static table and
 * the dynamic entries, so that finding the best representation of a field costs two or three Map reads.
 */
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { STATIC_LOOKUP, STATIC_TABLE_LENGTH } from './static-table.js';

/** Everything the encoder knows about one header name. Fields are always present so records share one shape. */
export class NameRecord {
  /** Lowest static index with this name, or 0. */
  readonly staticIndex: number;
  /** Static index of each (name, value) entry, or null when the name is not in the static table. */
  readonly staticValues: ReadonlyMap<string, number> | null;
  /** Sequence number of the newest dynamic entry with this name, or -1. */
  latest = -1;
  /** Sequence number of the newest dynamic entry for each value, created on first insertion. */
  values: Map<string, number> | null = null;

  /** True for the records of static names shared by all encoders; those are replaced, never changed. */
  readonly shared: boolean;

  constructor(staticIndex: number, staticValues: ReadonlyMap<string, number> | null, shared = false) {
    this.staticIndex = staticIndex;
    this.staticValues = staticValues;
    this.shared = shared;
  }
}

/** Records of the static names, shared by all tables until a table inserts an entry with that name. */
const STATIC_RECORDS: ReadonlyMap<string, NameRecord> = new Map(
  Array.from(STATIC_LOOKUP, ([name, entry]) => [name, new NameRecord(entry.index, entry.values, true)]),
);

export class EncoderTable extends DynamicTable {
  /** Entries ever inserted; the entry inserted n-th has sequence number n - 1. */
  private insertCount = 0;
  /** Records by name; static names are copied in from STATIC_RECORDS on first use (cloning the Map costs ~5 us). */
  private readonly records = new Map<string, NameRecord>();

  /** The record of `name`, if it is in the static or the dynamic table. */
  lookup(name: string): NameRecord | undefined {
    let record = this.records.get(name);
    if (record === undefined) {
      record = STATIC_RECORDS.get(name);
      if (record !== undefined) this.records.set(name, record);
    }
    return record;
  }

  /** HPACK index (>= 62) of the dynamic entry with this sequence number. */
  indexOf(seq: number): number {
    return STATIC_TABLE_LENGTH + this.insertCount - seq;
  }

  /** Inserts like the decoder will, and indexes the entry if it fits (an oversized entry just empties the table). */
  override insert(name: string, value: string): void {
    super.insert(name, value);
    if (name.length + value.length + ENTRY_OVERHEAD > this.capacity) return;
    const seq = this.insertCount++;
    let record = this.records.get(name) ?? STATIC_RECORDS.get(name);
    if (record === undefined || record.shared) {
      record = new NameRecord(record?.staticIndex ?? 0, record?.staticValues ?? null);
      this.records.set(name, record);
    }
    record.latest = seq;
    if (record.values === null) record.values = new Map();
    record.values.set(value, seq);
  }

  protected override onEvict(name: string, value: string): void {
    // The evicted entry was the oldest: its sequence number precedes the remaining `length` entries.
    const seq = this.insertCount - this.length - 1;
    const record = this.records.get(name);
    if (record === undefined || record.values === null) return;
    if (record.values.get(value) === seq) record.values.delete(value);
    if (record.latest === seq) {
      // FIFO eviction: if the newest entry with this name goes, all older ones went before it.
      record.latest = -1;
      record.values = null;
      if (record.staticIndex === 0) this.records.delete(name);
    }
  }
}
