/**
 * Typed helpers for fastgrpc.crypto.v1.CryptoService, local signature verification, and the names the CLI uses
 * for key types and algorithms ("ec-p256", "rsa-pss-sha256").
 *
 *   const { signature, keyId } = await sign(client, { data, keyType: KeyType.EC_P256, algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_FIXED });
 *   const { spkiDer } = await getPublicKey(client, KeyType.EC_P256);
 *   verifyLocally(spkiDer, SignatureAlgorithm.ECDSA_P256_SHA256_FIXED, data, signature); // true
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import {
  CryptoService,
  KeyType,
  SignatureAlgorithm,
  type GetPublicKeyResponse,
  type SignResponse,
} from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
import {
  ALL_ALGORITHMS, KEY_TYPE_SPECS, algorithmByCliName, algorithmName, algorithmSpec, keyTypeByCliName, keyTypeName, keyTypeSpec,
} from "../crypto/algorithms.js";
import { describeKey, keyTypeOf } from "../crypto/key-types.js";
import { verifyKeyArgument, verifyNow } from "../crypto/sign.js";
import type { CallOptions, GrpcClient } from "./client.js";

export { KeyType, SignatureAlgorithm };

/** Anything that makes unary calls like GrpcClient does (a GrpcClient, or a test double). */
export type UnaryCaller = Pick<GrpcClient, "unary">;

export interface SignInput {
  data: Uint8Array;
  keyType: KeyType;
  algorithm: SignatureAlgorithm;
}

export interface VerifyInput extends SignInput {
  signature: Uint8Array;
}

/** Signs data with the server's key. Rejects with GrpcError (INVALID_ARGUMENT for a bad key type/algorithm pair). */
export function sign(client: UnaryCaller, input: SignInput, options?: CallOptions): Promise<SignResponse> {
  return client.unary(CryptoService.method.sign, input, options);
}

/** The server's public key of this type: SPKI DER, PEM and key id. */
export function getPublicKey(client: UnaryCaller, keyType: KeyType, options?: CallOptions): Promise<GetPublicKeyResponse> {
  return client.unary(CryptoService.method.getPublicKey, { keyType }, options);
}

/** Asks the server whether the signature is valid for its key; resolves true or false. */
export async function verify(client: UnaryCaller, input: VerifyInput, options?: CallOptions): Promise<boolean> {
  return (await client.unary(CryptoService.method.verify, input, options)).valid;
}

/**
 * Verifies a signature here with node:crypto, given the public key as SubjectPublicKeyInfo DER (GetPublicKey's
 * spki_der). FIXED ECDSA signatures are read as r||s. Returns false for a wrong or malformed signature; throws
 * TypeError for an unusable key or an algorithm that does not fit it.
 */
export function verifyLocally(publicKeyDer: Uint8Array, algorithm: SignatureAlgorithm, data: Uint8Array, signature: Uint8Array): boolean {
  const spec = algorithmSpec(algorithm);
  if (spec === undefined) throw new TypeError(`${algorithmName(algorithm)} is not a signature algorithm`);
  let publicKey: KeyObject;
  try {
    publicKey = createPublicKey({ key: Buffer.from(publicKeyDer), format: "der", type: "spki" });
  } catch (cause) {
    throw new TypeError("the public key is not a valid SubjectPublicKeyInfo DER", { cause });
  }
  if (keyTypeOf(publicKey) !== spec.keyType) {
    throw new TypeError(`${algorithmName(algorithm)} needs a ${keyTypeName(spec.keyType)} key, not ${describeKey(publicKey)}`);
  }
  return verifyNow(spec, verifyKeyArgument(spec, publicKey), data, signature);
}

// The CLI names come from the one algorithm table (crypto/algorithms.ts).

/** "rsa", "ec-p256", "ec-p384", "ed25519", in enum order. */
export const KEY_TYPE_NAMES: readonly string[] = KEY_TYPE_SPECS.map((spec) => spec.name);
/** "rsa-pkcs1-sha256" ... "ed25519", in enum order. */
export const ALGORITHM_NAMES: readonly string[] = ALL_ALGORITHMS.map((spec) => spec.name);

export function keyTypeFromName(name: string): KeyType | undefined {
  return keyTypeByCliName(name)?.keyType;
}

export function algorithmFromName(name: string): SignatureAlgorithm | undefined {
  return algorithmByCliName(name)?.algorithm;
}

export function keyTypeToName(keyType: KeyType): string {
  return keyTypeSpec(keyType)?.name ?? String(keyType);
}

export function algorithmToName(algorithm: SignatureAlgorithm): string {
  return algorithmSpec(algorithm)?.name ?? String(algorithm);
}
