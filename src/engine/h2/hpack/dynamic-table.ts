/**
 * The HPACK dynamic table (RFC 7541 §2.3.2, §4): a FIFO of (name, value) entries, newest first, bounded by a size in
 * octets where each entry costs name length + value length + 32. Entries are kept as JS strings so that an indexed
 * reference costs no decoding and no allocation. Strings are latin1, so string length equals octet length.
 */

import { emptySlots } from '../empty-slots.js';

/** Per-entry overhead of RFC 7541 §4.1. */
export const ENTRY_OVERHEAD = 32;
/** The first ring's slots; it doubles when full. */
const FIRST_SLOTS = 16;
/** The ring of a table that never held an entry: shared and never written (insert() grows it first). */
const NO_SLOTS: string[] = emptySlots('');

export class DynamicTable {
  /** Ring buffers; slot of the entry at relative index i (0 = newest) is (head - 1 - i) & mask. */
  protected names: string[];
  protected values: string[];
  protected mask: number;
  /** Slot the next insertion goes to. */
  protected head = 0;
  /** Number of entries. */
  length = 0;
  /** Sum of entry sizes in octets. */
  size = 0;
  /** Current maximum size in octets (the last size update applied). */
  capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
    // No ring until the first insertion (an idle connection holds none), then a small one (most connections use a
    // few entries) that doubles when full; every entry costs at least 32 octets, so the ring never exceeds
    // capacity / 32 entries. mask -1: the empty ring counts as full.
    this.names = NO_SLOTS;
    this.values = NO_SLOTS;
    this.mask = -1;
  }

  /** Name of the entry at relative index (0 = most recently inserted); the caller checks index < length. */
  nameAt(index: number): string {
    return this.names[(this.head - 1 - index) & this.mask] ?? '';
  }

  valueAt(index: number): string {
    return this.values[(this.head - 1 - index) & this.mask] ?? '';
  }

  /** Entries newest first (HPACK index 62 first); for tests and diagnostics, not the hot path. */
  entries(): Array<[string, string]> {
    const entries: Array<[string, string]> = [];
    for (let i = 0; i < this.length; i++) entries.push([this.nameAt(i), this.valueAt(i)]);
    return entries;
  }

  /** Adds an entry, evicting the oldest ones to make room; an entry larger than the capacity empties the table (§4.4). */
  insert(name: string, value: string): void {
    const entrySize = name.length + value.length + ENTRY_OVERHEAD;
    if (entrySize > this.capacity) {
      while (this.length > 0) this.evictOldest();
      return;
    }
    while (this.size + entrySize > this.capacity) this.evictOldest();
    if (this.length > this.mask) this.grow();
    const slot = this.head;
    this.names[slot] = name;
    this.values[slot] = value;
    this.head = (slot + 1) & this.mask;
    this.length++;
    this.size += entrySize;
  }

  /** Applies a new maximum size (§4.3), evicting entries that no longer fit. */
  setCapacity(capacity: number): void {
    this.capacity = capacity;
    while (this.size > capacity) this.evictOldest();
  }

  protected evictOldest(): void {
    const slot = (this.head - this.length) & this.mask;
    const name = this.names[slot] ?? '';
    const value = this.values[slot] ?? '';
    this.size -= name.length + value.length + ENTRY_OVERHEAD;
    this.length--;
    // Release the strings for the GC.
    this.names[slot] = '';
    this.values[slot] = '';
    this.onEvict(name, value);
  }

  /** Hook for subclasses that index entries (the encoder). */
  protected onEvict(_name: string, _value: string): void {}

  private grow(): void {
    const slots = Math.max(FIRST_SLOTS, (this.mask + 1) * 2);
    const names = new Array<string>(slots).fill('');
    const values = new Array<string>(slots).fill('');
    // Copy oldest first so that the newest lands at slots [length - 1].
    for (let i = this.length - 1, j = 0; i >= 0; i--, j++) {
      names[j] = this.nameAt(i);
      values[j] = this.valueAt(i);
    }
    this.names = names;
    this.values = values;
    this.mask = slots - 1;
    this.head = this.length;
  }
}
