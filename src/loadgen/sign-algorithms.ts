/**
 * fastgrpc-bench's view of the command-line names of key types and signature algorithms: maps derived from the one
 * algorithm table (crypto/algorithms.ts), with the exports the load generator has always used.
 */
import { ALL_ALGORITHMS, DEFAULT_ALGORITHM, KEY_TYPE_SPECS, algorithmSpec, keyTypeSpec } from "../crypto/algorithms.js";
import type { KeyType, SignatureAlgorithm } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";

export const KEY_TYPES: ReadonlyMap<string, KeyType> = new Map(KEY_TYPE_SPECS.map((spec) => [spec.name, spec.keyType]));

interface AlgorithmEntry {
  readonly value: SignatureAlgorithm;
  readonly keyType: KeyType;
}

export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, AlgorithmEntry> = new Map(
  ALL_ALGORITHMS.map((spec) => [spec.name, { value: spec.algorithm, keyType: spec.keyType }]),
);

/** The algorithm used when only --key-type is given. */
export const DEFAULT_ALGORITHM_FOR_KEY_TYPE: ReadonlyMap<KeyType, string> = new Map(
  KEY_TYPE_SPECS.map((spec) => [spec.keyType, algorithmSpec(spec.defaultAlgorithm)?.name ?? String(spec.defaultAlgorithm)]),
);

export const DEFAULT_SIGN_ALGORITHM: string = algorithmSpec(DEFAULT_ALGORITHM)?.name ?? String(DEFAULT_ALGORITHM);

/** The command-line name of a key type ("ec-p256"). */
export function keyTypeName(value: KeyType): string {
  return keyTypeSpec(value)?.name ?? `key-type-${value}`;
}
