// The batch format between the event loop and the signing threads: what goes in comes out, and a damaged batch
// never makes the reader look outside the buffer.
import assert from "node:assert/strict";
import { test } from "node:test";
import { BatchWriter, readJobs, readResults, ResultStatus } from "../../src/crypto/signing-batch.js";

test("jobs come out of a batch in order with their ids, algorithms and data, empty data included", () => {
  const writer = new BatchWriter();
  writer.add(0, 7, new Uint8Array([1, 2, 3]));
  writer.add(0xffff_ffff, 11, new Uint8Array(0));
  writer.add(42, 1, new Uint8Array(70_000).fill(9));
  assert.equal(writer.size, 3);
  const jobs = readJobs(writer.take());
  assert.deepEqual(jobs.map((job) => [job.id, job.algorithm, job.data.byteLength]), [[0, 7, 3], [0xffff_ffff, 11, 0], [42, 1, 70_000]]);
  assert.deepEqual([...(jobs[0]?.data ?? [])], [1, 2, 3]);
  assert.ok(jobs[2]?.data.every((byte) => byte === 9));
  assert.equal(writer.size, 0, "take() empties the writer");
  assert.equal(writer.take().byteLength, 0);
});

test("results carry their status: a signature or an error message", () => {
  const writer = new BatchWriter();
  writer.add(5, ResultStatus.Signed, new Uint8Array([0xaa, 0xbb]));
  writer.add(6, ResultStatus.Failed, new TextEncoder().encode("bad key"));
  const results = readResults(writer.take());
  assert.deepEqual(results.map((result) => [result.id, result.status]), [[5, ResultStatus.Signed], [6, ResultStatus.Failed]]);
  assert.equal(new TextDecoder().decode(results[1]?.payload), "bad key");
});

test("a truncated batch yields the whole records before the cut and nothing past the buffer", () => {
  const writer = new BatchWriter();
  writer.add(1, 1, new Uint8Array(10));
  writer.add(2, 1, new Uint8Array(10));
  const batch = writer.take();
  for (let cut = 0; cut < batch.byteLength; cut++) {
    const jobs = readJobs(batch.subarray(0, cut));
    assert.equal(jobs.length, cut >= 38 ? 2 : cut >= 19 ? 1 : 0, `cut at ${cut}`);
  }
});

test("a tag that does not fit in a byte is refused when added", () => {
  const writer = new BatchWriter();
  assert.throws(() => writer.add(1, 256, new Uint8Array(0)), RangeError);
  assert.throws(() => writer.add(1, -1, new Uint8Array(0)), RangeError);
  assert.equal(writer.size, 0);
});
