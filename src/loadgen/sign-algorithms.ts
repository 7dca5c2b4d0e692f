/**
 * Command-line names for the crypto service's key types and signature algorithms, mapped to the protobuf enum
 * values, and which key type each algorithm needs (so --key-type can be left out).
 */
import { KeyType, SignatureAlgorithm } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";

export const KEY_TYPES: ReadonlyMap<string, KeyType> = new Map([
  ["rsa", KeyType.RSA],
  ["ec-p256", KeyType.EC_P256],
  ["ec-p384", KeyType.EC_P384],
  ["ed25519", KeyType.ED25519],
]);

interface AlgorithmEntry {
  readonly value: SignatureAlgorithm;
  readonly keyType: KeyType;
}

export const SIGNATURE_ALGORITHMS: ReadonlyMap<string, AlgorithmEntry> = new Map([
  ["rsa-pkcs1-sha256", { value: SignatureAlgorithm.RSA_PKCS1_SHA256, keyType: KeyType.RSA }],
  ["rsa-pkcs1-sha384", { value: SignatureAlgorithm.RSA_PKCS1_SHA384, keyType: KeyType.RSA }],
  ["rsa-pkcs1-sha512", { value: SignatureAlgorithm.RSA_PKCS1_SHA512, keyType: KeyType.RSA }],
  ["rsa-pss-sha256", { value: SignatureAlgorithm.RSA_PSS_SHA256, keyType: KeyType.RSA }],
  ["rsa-pss-sha384", { value: SignatureAlgorithm.RSA_PSS_SHA384, keyType: KeyType.RSA }],
  ["rsa-pss-sha512", { value: SignatureAlgorithm.RSA_PSS_SHA512, keyType: KeyType.RSA }],
  ["ecdsa-p256-sha256-asn1", { value: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1, keyType: KeyType.EC_P256 }],
  ["ecdsa-p256-sha256-fixed", { value: SignatureAlgorithm.ECDSA_P256_SHA256_FIXED, keyType: KeyType.EC_P256 }],
  ["ecdsa-p384-sha384-asn1", { value: SignatureAlgorithm.ECDSA_P384_SHA384_ASN1, keyType: KeyType.EC_P384 }],
  ["ecdsa-p384-sha384-fixed", { value: SignatureAlgorithm.ECDSA_P384_SHA384_FIXED, keyType: KeyType.EC_P384 }],
  ["ed25519", { value: SignatureAlgorithm.ED25519, keyType: KeyType.ED25519 }],
]);

/** The algorithm used when only --key-type is given. */
export const DEFAULT_ALGORITHM_FOR_KEY_TYPE: ReadonlyMap<KeyType, string> = new Map([
  [KeyType.RSA, "rsa-pkcs1-sha256"],
  [KeyType.EC_P256, "ecdsa-p256-sha256-asn1"],
  [KeyType.EC_P384, "ecdsa-p384-sha384-asn1"],
  [KeyType.ED25519, "ed25519"],
]);

export const DEFAULT_SIGN_ALGORITHM = "ecdsa-p256-sha256-asn1";

export function keyTypeName(value: KeyType): string {
  for (const [name, v] of KEY_TYPES) if (v === value) return name;
  return `key-type-${value}`;
}
