/**
 * Signing and verifying with node:crypto. The callback forms run the operation as a job on libuv's thread pool,
 * so an RSA signature (~270 us) does not stall the event loop; size the pool with UV_THREADPOOL_SIZE.
 */
import {
  constants,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from "node:crypto";
import { ALL_ALGORITHMS, type AlgorithmSpec } from "./algorithms.js";
import { derToP1363, p1363ToDer } from "./ecdsa-signature.js";
import { rsaPssPrivateKey } from "./rsa-pss-key.js";

/** What node:crypto takes as the key: the bare KeyObject when the defaults fit (cheaper), else key plus options. */
export type SignKeyArgument = KeyObject | SignKeyObjectInput;
export type VerifyKeyArgument = KeyObject | VerifyKeyObjectInput;

/**
 * The key argument to sign with, prepared once per key and algorithm. PSS signs with an "rsa-pss" KeyObject that
 * carries its PSS parameters (rsa-pss-key.ts), so it too passes a bare KeyObject; the options object remains the
 * fallback should the library refuse that key.
 */
export function signKeyArgument(spec: AlgorithmSpec, privateKey: KeyObject): SignKeyArgument {
  if (spec.keyOptions === undefined) return privateKey;
  if (spec.keyOptions.padding === constants.RSA_PKCS1_PSS_PADDING && spec.digest !== null) {
    const pssKey = rsaPssPrivateKey(privateKey, spec.digest);
    if (pssKey !== undefined) return pssKey;
  }
  return { key: privateKey, ...spec.keyOptions };
}

/**
 * The key argument of every algorithm this private key signs, by SignatureAlgorithm value: prepared once per key,
 * so that signing allocates nothing for it.
 */
export function signKeyArguments(keyType: number, privateKey: KeyObject): Map<number, SignKeyArgument> {
  const args = new Map<number, SignKeyArgument>();
  for (const spec of ALL_ALGORITHMS) {
    if (spec.keyType === keyType) args.set(spec.algorithm, signKeyArgument(spec, privateKey));
  }
  return args;
}

/** Verification keeps PSS's options object: it states the exact salt length that Verify insists on. */
export function verifyKeyArgument(spec: AlgorithmSpec, publicKey: KeyObject): VerifyKeyArgument {
  return spec.keyOptions === undefined ? publicKey : { key: publicKey, ...spec.keyOptions };
}

/** Signs on libuv's thread pool. Rejects with the library's error (synchronous argument errors included). */
export function signOffLoop(spec: AlgorithmSpec, key: SignKeyArgument, data: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    try {
      nodeSign(spec.digest, data, key, (error, signature) => {
        if (error) return reject(error);
        try {
          resolve(wireSignature(spec, signature));
        } catch (conversionError) {
          reject(conversionError);
        }
      });
    } catch (error) {
      reject(error);
    }
  });
}

/**
 * Signs on the calling thread: for a signing thread (signing-thread.ts), never for the event loop. Throws the
 * library's error.
 */
export function signNow(spec: AlgorithmSpec, key: SignKeyArgument, data: Uint8Array): Uint8Array {
  return wireSignature(spec, nodeSign(spec.digest, data, key));
}

/** The signature as the API returns it: node:crypto's DER for ECDSA turns into r||s for the FIXED algorithms. */
function wireSignature(spec: AlgorithmSpec, signature: Uint8Array): Uint8Array {
  const half = spec.fixedHalfBytes;
  if (half === undefined) return signature;
  const fixed = derToP1363(signature, half);
  if (fixed === undefined) throw new Error("the library returned a malformed ECDSA signature");
  return fixed;
}

/** Verifies on the thread pool. A malformed signature resolves false; only library failures reject. */
export function verifyOffLoop(
  spec: AlgorithmSpec,
  key: VerifyKeyArgument,
  data: Uint8Array,
  signature: Uint8Array,
): Promise<boolean> {
  const der = toLibraryEncoding(spec, signature);
  if (der === undefined) return Promise.resolve(false);
  return new Promise((resolve, reject) => {
    try {
      nodeVerify(spec.digest, data, key, der, (error, valid) => (error ? reject(error) : resolve(valid)));
    } catch (error) {
      reject(error);
    }
  });
}

/** Verifies on the calling thread (CLI, tests, libraries that verify one signature now and then). */
export function verifyNow(spec: AlgorithmSpec, key: VerifyKeyArgument, data: Uint8Array, signature: Uint8Array): boolean {
  const der = toLibraryEncoding(spec, signature);
  return der !== undefined && nodeVerify(spec.digest, data, key, der);
}

/** FIXED signatures go to node:crypto as DER; undefined when an r||s signature has the wrong length. */
function toLibraryEncoding(spec: AlgorithmSpec, signature: Uint8Array): Uint8Array | undefined {
  return spec.fixedHalfBytes === undefined ? signature : p1363ToDer(signature, spec.fixedHalfBytes);
}
