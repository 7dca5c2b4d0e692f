/**
 * Verification with the OpenSSL command line, an implementation independent of node:crypto's bindings.
 * Each call writes the PEM public key, data and signature to a fresh temp dir and runs openssl on them.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SignatureAlgorithm } from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { algorithmSpec } from "../../../src/crypto/algorithms.js";

export function opensslAvailable(): boolean {
  return spawnSync("openssl", ["version"]).status === 0;
}

const PSS = new Set<number>([SignatureAlgorithm.RSA_PSS_SHA256, SignatureAlgorithm.RSA_PSS_SHA384, SignatureAlgorithm.RSA_PSS_SHA512]);

/** True when `openssl` accepts the signature. FIXED (r||s) ECDSA signatures are converted to DER first. */
export function opensslVerifies(algorithm: SignatureAlgorithm, pem: string, data: Uint8Array, signature: Uint8Array): boolean {
  const spec = algorithmSpec(algorithm);
  if (spec === undefined) throw new Error(`no spec for ${algorithm}`);
  const dir = mkdtempSync(join(tmpdir(), "fastgrpc-openssl-"));
  try {
    const pub = join(dir, "pub.pem");
    const dataFile = join(dir, "data.bin");
    const sigFile = join(dir, "sig.bin");
    writeFileSync(pub, pem);
    writeFileSync(dataFile, data);
    writeFileSync(sigFile, spec.fixedHalfBytes === undefined ? signature : p1363ToDer(signature));
    let args: string[];
    if (spec.digest === null) {
      // OpenSSL 3.0's pkeyutl cannot read an empty -rawin input; callers check empty data some other way.
      if (data.byteLength === 0) throw new Error("openssl pkeyutl -rawin cannot verify an empty message");
      args = ["pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", dataFile, "-sigfile", sigFile];
    } else {
      args = ["dgst", `-${spec.digest}`, "-verify", pub, "-signature", sigFile];
      if (PSS.has(algorithm)) {
        // Salt length "digest" makes OpenSSL insist on a salt exactly as long as the hash, as the proto promises.
        args.push("-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:digest", "-sigopt", `rsa_mgf1_md:${spec.digest}`);
      }
      args.push(dataFile);
    }
    const result = spawnSync("openssl", args, { encoding: "utf8" });
    if (result.error) throw result.error;
    return result.status === 0 && /Verified OK|Signature Verified Successfully/.test(result.stdout);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Converts an IEEE P1363 ECDSA signature (r||s, equal halves) to a DER Ecdsa-Sig-Value SEQUENCE { r, s }. */
export function p1363ToDer(signature: Uint8Array): Uint8Array {
  if (signature.byteLength === 0 || signature.byteLength % 2 !== 0) throw new Error(`bad r||s length ${signature.byteLength}`);
  const half = signature.byteLength / 2;
  const body = Buffer.concat([derInteger(signature.subarray(0, half)), derInteger(signature.subarray(half))]);
  return Buffer.concat([Buffer.from([0x30]), derLength(body.byteLength), body]);
}

function derInteger(unsigned: Uint8Array): Buffer {
  let start = 0;
  while (start < unsigned.byteLength - 1 && unsigned[start] === 0) start++;
  const digits = Buffer.from(unsigned.subarray(start));
  // A set top bit would read as negative: DER puts a zero byte in front.
  const value = (digits[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), digits]) : digits;
  return Buffer.concat([Buffer.from([0x02]), derLength(value.byteLength), value]);
}

function derLength(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  const bytes: number[] = [];
  for (let n = length; n > 0; n >>= 8) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}
