/**
 * A connection's open streams by id. A Map would do, but every call adds one id and deletes another, and a Map's
 * hash table fills with deleted entries and is rebuilt every few hundred calls (a visible share of the engine's
 * allocation per call). This is open addressing with linear probing and deletion by backward shift (no deleted
 * markers): steady churn allocates nothing. Ids are scattered with a per-table random odd multiplier, so a peer
 * cannot pick ids that all land in one probe run.
 */
import { emptySlots } from "./empty-slots.js";

const MIN_CAPACITY = 16;
/** The slots of a table that never held a stream: shared, never written (set() grows first). */
const NO_IDS = new Int32Array(0);
const NO_VALUES: undefined[] = emptySlots(undefined);

export class StreamTable<S> {
  /**
   * Stream ids; 0 marks an empty slot (stream ids start at 1). Allocated at the first stream: an idle connection
   * holds none (see docs/benchmarks.md §16).
   */
  private ids: Int32Array = NO_IDS;
  private values: Array<S | undefined> = NO_VALUES;
  private shift = 32;
  private mask = 0;
  private readonly multiplier = (Math.floor(Math.random() * 0x40000000) * 4 + 1) | 0;
  size = 0;

  private slot(id: number): number {
    return Math.imul(id, this.multiplier) >>> this.shift;
  }

  get(id: number): S | undefined {
    if (this.size === 0) return undefined;
    const ids = this.ids;
    for (let i = this.slot(id); ; i = (i + 1) & this.mask) {
      const k = ids[i] as number;
      if (k === id) return this.values[i];
      if (k === 0) return undefined;
    }
  }

  has(id: number): boolean {
    return this.get(id) !== undefined;
  }

  set(id: number, value: S): void {
    if (id <= 0) throw new RangeError(`stream id ${id} is not positive`);
    if ((this.size + 1) * 2 > this.ids.length) this.grow();
    const ids = this.ids;
    let i = this.slot(id);
    for (;;) {
      const k = ids[i] as number;
      if (k === id) {
        this.values[i] = value;
        return;
      }
      if (k === 0) break;
      i = (i + 1) & this.mask;
    }
    ids[i] = id;
    this.values[i] = value;
    this.size++;
  }

  delete(id: number): boolean {
    if (this.size === 0) return false;
    const ids = this.ids;
    const mask = this.mask;
    let i = this.slot(id);
    for (;;) {
      const k = ids[i] as number;
      if (k === id) break;
      if (k === 0) return false;
      i = (i + 1) & mask;
    }
    // Backward shift: move later entries of the probe run into the hole when their home slot allows it.
    let j = i;
    for (;;) {
      j = (j + 1) & mask;
      const k = ids[j] as number;
      if (k === 0) break;
      const home = this.slot(k);
      const between = i <= j ? home > i && home <= j : home > i || home <= j;
      if (between) continue;
      ids[i] = k;
      this.values[i] = this.values[j];
      i = j;
    }
    ids[i] = 0;
    this.values[i] = undefined;
    this.size--;
    return true;
  }

  /** A snapshot of the streams (callers may add or remove streams while they go through it). */
  list(): S[] {
    const out: S[] = [];
    const ids = this.ids;
    for (let i = 0; i < ids.length; i++) if (ids[i] !== 0) out.push(this.values[i] as S);
    return out;
  }

  private grow(): void {
    const oldIds = this.ids;
    const oldValues = this.values;
    const capacity = Math.max(MIN_CAPACITY, oldIds.length * 2);
    this.ids = new Int32Array(capacity);
    this.values = new Array<S | undefined>(capacity).fill(undefined);
    this.mask = capacity - 1;
    this.shift = 32 - Math.log2(capacity);
    this.size = 0;
    for (let i = 0; i < oldIds.length; i++) {
      const id = oldIds[i] as number;
      if (id !== 0) this.set(id, oldValues[i] as S);
    }
  }
}
