// DER <-> r||s conversion for FIXED ECDSA signatures, checked against node:crypto's own ieee-p1363 encoding.
import assert from "node:assert/strict";
import { generateKeyPairSync, sign, verify } from "node:crypto";
import { test } from "node:test";
import { derToP1363, p1363ToDer } from "../../src/crypto/ecdsa-signature.js";

const DATA = Buffer.from("ecdsa encoding test");

for (const [curve, digest, size] of [["P-256", "sha256", 32], ["P-384", "sha384", 48]] as const) {
  test(`${curve}: converted signatures verify in the other encoding, across enough signatures to hit short and padded integers`, () => {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: curve });
    let shortInteger = 0;
    let paddedInteger = 0;
    // 400 signatures, and for P-256 as many more as it takes to see a short integer: 400 signatures hold none in
    // about one run of 23 ((255/256)^800), and this test used to fail then.
    let signatures = 0;
    const wantShort = size === 32;
    for (; signatures < 400 || (wantShort && shortInteger === 0 && signatures < 20_000); signatures++) {
      const der = sign(digest, DATA, privateKey);
      if (der.includes(Buffer.from([0x02, size + 1, 0x00]))) paddedInteger++;
      const fixed = derToP1363(der, size);
      assert.ok(fixed, `conversion failed for ${der.toString("hex")}`);
      assert.equal(fixed.length, 2 * size);
      assert.equal(verify(digest, DATA, { key: publicKey, dsaEncoding: "ieee-p1363" }, fixed), true);
      // Back again gives the library's canonical DER byte for byte.
      assert.deepEqual(Buffer.from(p1363ToDer(fixed, size) ?? []), der);
      const nodeFixed = sign(digest, DATA, { key: privateKey, dsaEncoding: "ieee-p1363" });
      const nodeDer = p1363ToDer(nodeFixed, size);
      assert.ok(nodeDer);
      if (nodeFixed[0] === 0 || nodeFixed[size] === 0) shortInteger++;
      assert.equal(verify(digest, DATA, publicKey, nodeDer), true);
    }
    // About half of all r, s have the top bit set (DER pads), about 1/256 start with a zero byte (DER shortens).
    assert.ok(paddedInteger > 50, `only ${paddedInteger} padded integers seen`);
    assert.ok(shortInteger > 0 || !wantShort, `no short integer seen in ${signatures} ${curve} signatures`);
  });
}

test("hand-built edge values convert both ways: r = 1, s = all ones", () => {
  const fixed = new Uint8Array(64);
  fixed[31] = 1;
  fixed.fill(0xff, 32);
  const der = p1363ToDer(fixed, 32);
  assert.deepEqual(Buffer.from(der ?? []).toString("hex"), `3026020101022100${"ff".repeat(32)}`);
  assert.deepEqual(derToP1363(der ?? new Uint8Array(0), 32), fixed);
});

test("malformed DER is refused, never misread", () => {
  const good = Buffer.from(p1363ToDer(new Uint8Array(64).fill(0x11), 32) ?? []);
  assert.ok(derToP1363(good, 32));
  const bad: [string, Uint8Array][] = [
    ["empty", new Uint8Array(0)],
    ["wrong outer tag", Buffer.concat([Buffer.from([0x31]), good.subarray(1)])],
    ["trailing byte", Buffer.concat([good, Buffer.from([0])])],
    ["truncated", good.subarray(0, good.length - 1)],
    ["outer length too long", Buffer.from([0x30, (good[1] ?? 0) + 1, ...good.subarray(2)])],
    ["negative r", Buffer.from("3006020180020101", "hex")],
    ["zero-length r", Buffer.from("30050200020101", "hex")],
    ["integer tag missing", Buffer.from("3006030101020101", "hex")],
    ["r longer than the curve", Buffer.from(`3026022101${"00".repeat(32)}020101`, "hex")],
    ["long-form length without need", Buffer.from("308106020101020101", "hex")],
  ];
  for (const [name, bytes] of bad) assert.equal(derToP1363(bytes, 32), undefined, name);
  assert.equal(derToP1363(Buffer.from(p1363ToDer(new Uint8Array(96).fill(0x80), 48) ?? []), 32), undefined, "P-384 signature read as P-256");
});

test("r||s of the wrong length is refused", () => {
  for (const length of [0, 63, 65, 96]) assert.equal(p1363ToDer(new Uint8Array(length), 32), undefined, String(length));
});
