/**
 * An idle connection holds no stream slots, HPACK rings or validated-field slots: each starts as a shared empty
 * placeholder and gets its own storage on first use. These tests check that the empty state answers correctly and
 * that no instance ever writes into the shared placeholder (which would leak entries between connections).
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { it } from "node:test";
import { FieldCollector } from "../../src/engine/h2/header-fields.js";
import { DynamicTable } from "../../src/engine/h2/hpack/dynamic-table.js";
import { EncoderTable } from "../../src/engine/h2/hpack/encoder-table.js";
import { StreamTable } from "../../src/engine/h2/stream-table.js";

it("a stream table that never held a stream finds nothing, deletes nothing and lists nothing", () => {
  const table = new StreamTable<string>();
  assert.equal(table.get(1), undefined);
  assert.equal(table.has(3), false);
  assert.equal(table.delete(1), false);
  assert.deepEqual(table.list(), []);
  assert.equal(table.size, 0);
});

it("stream tables get their own slots: what one holds, another does not see", () => {
  const a = new StreamTable<string>();
  const b = new StreamTable<string>();
  a.set(1, "a1");
  assert.equal(a.get(1), "a1");
  assert.equal(b.get(1), undefined);
  b.set(1, "b1");
  assert.equal(a.get(1), "a1");
  assert.equal(b.get(1), "b1");
  // Emptied and used again, past the first growth.
  assert.equal(a.delete(1), true);
  assert.equal(a.get(1), undefined);
  for (let id = 1; id < 80; id += 2) a.set(id, `a${id}`);
  assert.equal(a.size, 40);
  assert.equal(a.get(79), "a79");
  assert.equal(b.size, 1);
  assert.equal(new StreamTable<string>().get(79), undefined);
});

it("a dynamic table with no entries inserts, evicts and resizes from its empty ring", () => {
  const table = new DynamicTable(100);
  assert.equal(table.length, 0);
  assert.equal(table.nameAt(0), "");
  table.setCapacity(50);
  assert.equal(table.size, 0);
  table.insert("a-name-too-long-for-the-table", "and-its-value-too-long-as-well");
  assert.equal(table.length, 0, "an entry larger than the capacity empties the table and is not added");
  table.insert("k", "v");
  assert.deepEqual(table.entries(), [["k", "v"]]);
  table.insert("l", "w"); // 34 + 34 > 50: the first entry is evicted
  assert.deepEqual(table.entries(), [["l", "w"]]);
});

it("dynamic tables get their own rings: entries never leak into a fresh table", () => {
  const a = new DynamicTable(4096);
  for (let i = 0; i < 40; i++) a.insert(`name-${i}`, `value-${i}`); // past the first ring's 16 slots
  assert.equal(a.length, 40);
  assert.deepEqual(a.entries()[0], ["name-39", "value-39"]);
  const b = new DynamicTable(4096);
  assert.equal(b.length, 0);
  assert.equal(b.nameAt(0), "");
  b.insert("x", "y");
  assert.deepEqual(b.entries(), [["x", "y"]]);
  const encoder = new EncoderTable(4096);
  assert.equal(encoder.lookup("name-1"), undefined);
  encoder.insert("name-1", "v");
  assert.equal(encoder.lookup("name-1")?.latest, 0);
});

it("field collectors remember validated fields per collector, and the first block still validates", () => {
  const a = new FieldCollector(16 * 1024);
  a.reset("request");
  a.onField("x-good", "1");
  assert.equal(a.malformed, null);
  assert.deepEqual(a.takeFields(), ["x-good", "1"]);

  // A second collector sees an invalid field at the same position: it must not pass as "validated before".
  const b = new FieldCollector(16 * 1024);
  b.reset("request");
  b.onField("X-Bad", "1");
  assert.match(b.malformed ?? "", /invalid field name/);

  // The first collector's memory is its own: the same good field passes again, a bad one still fails.
  a.reset("request");
  a.onField("x-good", "1");
  assert.equal(a.malformed, null);
  a.reset("request");
  a.onField("x-good", "bad\r\nvalue");
  assert.match(a.malformed ?? "", /invalid value/);
});

it("a placeholder has the map of the arrays that replace it, so load sites stay monomorphic", () => {
  const module = new URL("../../src/engine/h2/empty-slots.js", import.meta.url).href;
  // V8's natives syntax (%HaveSameMap) is a flag of its own: checked in a child node.
  const out = execFileSync(process.execPath, ["--allow-natives-syntax", "--input-type=module", "-e", `
    const { emptySlots } = await import(${JSON.stringify(module)});
    process.stdout.write(JSON.stringify([
      %HaveSameMap(emptySlots(""), new Array(16).fill("")),
      %HaveSameMap(emptySlots(undefined), new Array(8).fill(undefined)),
      %HaveSameMap([], new Array(16).fill("")),
    ]));`], { encoding: "utf8" });
  assert.deepEqual(JSON.parse(out), [true, true, false], "the last is the control: a plain [] has another map");
});
