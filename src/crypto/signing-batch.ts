/**
 * The wire between the event loop and a signing thread (signing-threads.ts, signing-thread.ts): many jobs or many
 * results packed into one Uint8Array, so that a batch crosses threads as one transferred buffer instead of one
 * structured-clone message per signature (each message wakes the receiving thread).
 *
 *   job:    u32 id | u8 algorithm | u32 data length    | data
 *   result: u32 id | u8 status    | u32 payload length | payload   (status 0: the signature; 1: the error message)
 *
 * Integers are little-endian. Decoding never reads outside the buffer: a truncated record ends the batch.
 */

const HEADER_BYTES = 9;

export const enum ResultStatus {
  Signed = 0,
  Failed = 1,
}

export interface SigningJob {
  readonly id: number;
  readonly algorithm: number;
  readonly data: Uint8Array;
}

export interface SigningResult {
  readonly id: number;
  readonly status: ResultStatus;
  /** The signature, or the UTF-8 error message. */
  readonly payload: Uint8Array;
}

/** Collects records and packs them into one exactly-sized buffer. */
export class BatchWriter {
  #ids: number[] = [];
  #tags: number[] = [];
  #payloads: Uint8Array[] = [];
  #bytes = 0;

  get size(): number {
    return this.#ids.length;
  }

  /** `tag` is the algorithm of a job or the status of a result: one byte. */
  add(id: number, tag: number, payload: Uint8Array): void {
    if (!Number.isInteger(tag) || tag < 0 || tag > 0xff) throw new RangeError(`batch record tag ${tag} does not fit in a byte`);
    this.#ids.push(id >>> 0);
    this.#tags.push(tag);
    this.#payloads.push(payload);
    this.#bytes += HEADER_BYTES + payload.byteLength;
  }

  /** The packed batch (a fresh buffer the caller may transfer); the writer is empty again. */
  take(): Uint8Array<ArrayBuffer> {
    const out = new Uint8Array(this.#bytes);
    const view = new DataView(out.buffer);
    let at = 0;
    for (let i = 0; i < this.#ids.length; i++) {
      const payload = this.#payloads[i] ?? EMPTY;
      view.setUint32(at, this.#ids[i] ?? 0, true);
      view.setUint8(at + 4, this.#tags[i] ?? 0);
      view.setUint32(at + 5, payload.byteLength, true);
      out.set(payload, at + HEADER_BYTES);
      at += HEADER_BYTES + payload.byteLength;
    }
    this.#ids = [];
    this.#tags = [];
    this.#payloads = [];
    this.#bytes = 0;
    return out;
  }
}

const EMPTY = new Uint8Array(0);

/** Calls `each(id, tag, payload)` per record; payloads are views into `batch`, not copies. */
export function readBatch(batch: Uint8Array, each: (id: number, tag: number, payload: Uint8Array) => void): void {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let at = 0;
  while (at + HEADER_BYTES <= batch.byteLength) {
    const id = view.getUint32(at, true);
    const tag = view.getUint8(at + 4);
    const length = view.getUint32(at + 5, true);
    const start = at + HEADER_BYTES;
    if (start + length > batch.byteLength) return;
    each(id, tag, batch.subarray(start, start + length));
    at = start + length;
  }
}

export function readJobs(batch: Uint8Array): SigningJob[] {
  const jobs: SigningJob[] = [];
  readBatch(batch, (id, algorithm, data) => jobs.push({ id, algorithm, data }));
  return jobs;
}

export function readResults(batch: Uint8Array): SigningResult[] {
  const results: SigningResult[] = [];
  readBatch(batch, (id, status, payload) =>
    results.push({ id, status: status === ResultStatus.Signed ? ResultStatus.Signed : ResultStatus.Failed, payload }),
  );
  return results;
}
