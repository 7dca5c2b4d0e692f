/** The engine's stream table behaves as a Map from stream id to stream under random churn and growth. */
import assert from "node:assert/strict";
import { it } from "node:test";
import { StreamTable } from "../../src/engine/h2/stream-table.js";

it("matches a Map through 200k random inserts, lookups and deletes", () => {
  const table = new StreamTable<{ id: number }>();
  const model = new Map<number, { id: number }>();
  let seed = 12345;
  const rand = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  let nextId = 1;
  for (let op = 0; op < 200_000; op++) {
    const r = rand(10);
    if (r < 4 || model.size === 0) {
      const id = nextId;
      nextId += 2 + 2 * rand(3); // increasing odd ids with gaps, as peers open them
      const value = { id };
      table.set(id, value);
      model.set(id, value);
    } else if (r < 8) {
      const ids = [...model.keys()];
      const id = ids[rand(ids.length)] as number;
      assert.equal(table.delete(id), true);
      model.delete(id);
    } else {
      const id = 1 + 2 * rand(nextId >>> 1);
      assert.equal(table.get(id), model.get(id));
    }
    if (op === 150_000) while (model.size > 0) { const [id] = model.keys(); table.delete(id as number); model.delete(id as number); }
    assert.equal(table.size, model.size);
  }
  assert.deepEqual(new Set(table.list()), new Set(model.values()));
  assert.equal(table.delete(nextId + 2), false);
  assert.equal(table.get(nextId + 2), undefined);
});
