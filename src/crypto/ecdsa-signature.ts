/**
 * ECDSA signature encodings: DER Ecdsa-Sig-Value (RFC 3279: SEQUENCE { r INTEGER, s INTEGER }) and the fixed
 * r||s form (IEEE P1363). node:crypto can produce r||s itself (dsaEncoding: "ieee-p1363"), but on Node 24 that
 * path costs 2-3x the bare-KeyObject DER signature (P-256: ~7K against ~15K signatures/s on one core here), while
 * converting the ~70-byte DER in JavaScript costs under a microsecond. So FIXED signs as DER and converts.
 */

/**
 * DER -> r||s with each half `size` bytes (32 for P-256, 48 for P-384). Returns undefined for anything that is
 * not a well-formed Ecdsa-Sig-Value whose integers fit `size` bytes.
 */
export function derToP1363(der: Uint8Array, size: number): Uint8Array | undefined {
  if (der.length < 8 || der[0] !== 0x30) return undefined;
  let offset = 1;
  const seqLength = readLength(der, offset);
  if (seqLength === undefined) return undefined;
  offset = seqLength.next;
  if (offset + seqLength.length !== der.length) return undefined;
  const out = new Uint8Array(size * 2);
  for (let half = 0; half < 2; half++) {
    if (der[offset] !== 0x02) return undefined;
    const intLength = readLength(der, offset + 1);
    if (intLength === undefined || intLength.length === 0) return undefined;
    let start = intLength.next;
    const end = start + intLength.length;
    if (end > der.length) return undefined;
    if ((der[start] ?? 0) & 0x80) return undefined; // negative: never a valid r or s
    while (start < end - 1 && der[start] === 0) start++;
    const digits = end - start;
    if (digits > size) return undefined;
    out.set(der.subarray(start, end), half * size + size - digits);
    offset = end;
  }
  return offset === der.length ? out : undefined;
}

/** r||s -> DER. Returns undefined unless the input is exactly 2 * size bytes. */
export function p1363ToDer(fixed: Uint8Array, size: number): Uint8Array | undefined {
  if (fixed.length !== size * 2) return undefined;
  const r = derInteger(fixed.subarray(0, size));
  const s = derInteger(fixed.subarray(size));
  const body = r.length + s.length;
  const header = body < 0x80 ? [0x30, body] : [0x30, 0x81, body];
  const out = new Uint8Array(header.length + body);
  out.set(header, 0);
  out.set(r, header.length);
  out.set(s, header.length + r.length);
  return out;
}

// Lengths up to 255 (short form or 0x81 nn) cover every curve up to P-384 with room to spare.
function readLength(bytes: Uint8Array, offset: number): { length: number; next: number } | undefined {
  const first = bytes[offset];
  if (first === undefined) return undefined;
  if (first < 0x80) return { length: first, next: offset + 1 };
  const second = bytes[offset + 1];
  if (first === 0x81 && second !== undefined && second >= 0x80) return { length: second, next: offset + 2 };
  return undefined;
}

function derInteger(unsigned: Uint8Array): Uint8Array {
  let start = 0;
  while (start < unsigned.length - 1 && unsigned[start] === 0) start++;
  const pad = (unsigned[start] ?? 0) & 0x80 ? 1 : 0;
  const length = unsigned.length - start + pad;
  const out = new Uint8Array(2 + length);
  out[0] = 0x02;
  out[1] = length;
  out.set(unsigned.subarray(start), 2 + pad);
  return out;
}
