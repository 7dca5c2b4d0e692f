// setFromCanonicalBase64 stands in for Uint8Array.prototype.setFromBase64 in protobuf-es's decoder in the bundled
// command lines (mk/bundle-cli.mjs): what it decodes must be exactly right, and what it does not decode must throw so
// that protobuf-es falls back to its own loop.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { base64Decode } from "@bufbuild/protobuf/wire";
import { setFromCanonicalBase64 } from "../../src/runtime/native-base64.js";

/** The size protobuf-es's base64Decode allocates for a string of this length (its decoder writes into exactly it). */
function targetFor(base64: string): Uint8Array {
  let size = base64.length - ((base64.length + 3) >> 2);
  if (base64.length % 4 === 0 && base64.endsWith("=")) size -= base64.endsWith("==") ? 2 : 1;
  return new Uint8Array(size);
}

test("decodes padded and unpadded standard base64 of every length mod 3 to the original bytes", () => {
  for (let length = 0; length <= 64; length++) {
    const bytes = randomBytes(length);
    const padded = bytes.toString("base64");
    for (const base64 of [padded, padded.replace(/=+$/, "")]) {
      const target = targetFor(base64);
      const result = setFromCanonicalBase64.call(target, base64);
      assert.deepEqual(result, { read: base64.length, written: length }, `${length} bytes as "${base64}"`);
      assert.deepEqual(Buffer.from(target.subarray(0, result.written)), bytes, `${length} bytes as "${base64}"`);
    }
  }
});

test("throws for what the proposal rejects or protobuf-es must decode itself: base64url, white-space, inner or partial padding, a lone last character", () => {
  for (const base64 of ["a-_b", "QUJD\nREVG", "QUJD REVG", "QQ==QQ==", "QQ=", "Q===", "QUJDR", "QUJD=", "QUJD!"]) {
    assert.throws(() => setFromCanonicalBase64.call(new Uint8Array(16), base64), SyntaxError, `"${base64}" is rejected`);
  }
});

test("throws when the bytes do not fit the array instead of writing a part of them", () => {
  const target = new Uint8Array(2);
  assert.throws(() => setFromCanonicalBase64.call(target, "QUJD"), RangeError);
  assert.deepEqual([...target], [0, 0]);
});

test("gives protobuf-es's own decoder the same bytes for every input the two are given", () => {
  for (const base64 of ["", "QQ", "QUI", "QUJD", "QUJDRA==", "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"]) {
    const target = targetFor(base64);
    const { written } = setFromCanonicalBase64.call(target, base64);
    assert.deepEqual(target.subarray(0, written), base64Decode(base64), base64);
  }
});

test("the bundled command lines hand it to protobuf-es's decoder (mk/bundle-cli.mjs)", () => {
  const bin = fileURLToPath(new URL("../../bin/", import.meta.url));
  const wired = readdirSync(bin)
    .filter((name) => name.endsWith(".js"))
    .filter((name) => readFileSync(bin + name, "utf8").includes("Uint8Array.prototype.setFromBase64 ?? setFromCanonicalBase64"));
  assert.equal(wired.length, 1, "one chunk of dist/bin holds protobuf-es's decoder with the native fallback");
});
