/** Request validation: enum values and their combination, turned into INVALID_ARGUMENT statuses. */
import { KeyType, SignatureAlgorithm } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
import { ALL_KEY_TYPES, algorithmSpec, type AlgorithmSpec } from "./algorithms.js";
import { cryptoErrors } from "./errors.js";

/** Returns the key type if it is a real one; throws INVALID_ARGUMENT for UNSPECIFIED or a number outside the enum. */
export function requireKeyType(value: number): KeyType {
  if (value === KeyType.UNSPECIFIED) throw cryptoErrors.keyTypeUnspecified();
  if (!(ALL_KEY_TYPES as readonly number[]).includes(value)) throw cryptoErrors.unknownKeyType(value);
  return value as KeyType;
}

/** Checks key type, algorithm and that they fit together; the first problem found becomes INVALID_ARGUMENT. */
export function requireAlgorithmFor(keyTypeValue: number, algorithmValue: number): AlgorithmSpec {
  const keyType = requireKeyType(keyTypeValue);
  if (algorithmValue === SignatureAlgorithm.UNSPECIFIED) throw cryptoErrors.algorithmUnspecified();
  const spec = algorithmSpec(algorithmValue);
  if (spec === undefined) throw cryptoErrors.unknownAlgorithm(algorithmValue);
  if (spec.keyType !== keyType) throw cryptoErrors.algorithmDoesNotFitKey(algorithmValue, keyType, spec.keyType);
  return spec;
}
