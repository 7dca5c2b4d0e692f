/**
 * The encoder's copy of the dynamic table, with maps from name and (name, value) to entries so that finding a match
 * costs two Map lookups instead of a scan.
 */
import { DynamicTable, ENTRY_OVERHEAD } from './dynamic-table.js';
import { STATIC_TABLE_LENGTH } from './static-table.js';

interface NameEntries {
  /** Sequence number of the newest entry with this name. */
  latest: number;
  /** Sequence number of the newest entry for each value. */
  values: Map<string, number>;
}

export class EncoderTable extends DynamicTable {
  /** Entries ever inserted; the entry inserted n-th has sequence number n - 1. */
  private insertCount = 0;
  private readonly byName = new Map<string, NameEntries>();

  /** Inserts like the decoder will, and indexes the entry if it fits (an oversized entry just empties the table). */
  override insert(name: string, value: string): void {
    super.insert(name, value);
    if (name.length + value.length + ENTRY_OVERHEAD > this.capacity) return;
    const seq = this.insertCount++;
    let entries = this.byName.get(name);
    if (entries === undefined) {
      entries = { latest: seq, values: new Map() };
      this.byName.set(name, entries);
    }
    entries.latest = seq;
    entries.values.set(value, seq);
  }

  /** HPACK index (>= 62) of an entry equal to (name, value), or 0. */
  findField(name: string, value: string): number {
    const seq = this.byName.get(name)?.values.get(value);
    return seq === undefined ? 0 : this.indexOf(seq);
  }

  /** HPACK index (>= 62) of the newest entry named `name`, or 0. */
  findName(name: string): number {
    const entries = this.byName.get(name);
    return entries === undefined ? 0 : this.indexOf(entries.latest);
  }

  private indexOf(seq: number): number {
    return STATIC_TABLE_LENGTH + this.insertCount - seq;
  }

  protected override onEvict(name: string, value: string): void {
    // The evicted entry was the oldest: its sequence number precedes the remaining `length` entries.
    const seq = this.insertCount - this.length - 1;
    const entries = this.byName.get(name);
    if (entries === undefined) return;
    if (entries.values.get(value) === seq) entries.values.delete(value);
    if (entries.values.size === 0) this.byName.delete(name);
  }
}
