/**
 * crypto.proto's KeyType and SignatureAlgorithm values and names, without loading the generated module at run
 * time: importing it loads protobuf-es and decodes the file descriptor (~5-8 MB of RSS), which each signing thread
 * and a multi-worker server's primary need for nothing else (docs/scaling.md, footprint). `satisfies` makes the
 * compiler check every name and value against the generated enums (a missing, extra or renumbered one is a type
 * error); test/crypto/enum-values-match-the-proto.test.ts checks the proto names.
 * Each name is both the value (an object of numbers) and the type (the generated enum), like the generated enum.
 */
import type { KeyType as ProtoKeyType, SignatureAlgorithm as ProtoSignatureAlgorithm } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";

export const KeyType = {
  UNSPECIFIED: 0,
  RSA: 1,
  EC_P256: 2,
  EC_P384: 3,
  ED25519: 4,
} as const satisfies { readonly [K in keyof typeof ProtoKeyType]: (typeof ProtoKeyType)[K] };
export type KeyType = ProtoKeyType;

export const SignatureAlgorithm = {
  UNSPECIFIED: 0,
  RSA_PKCS1_SHA256: 1,
  RSA_PKCS1_SHA384: 2,
  RSA_PKCS1_SHA512: 3,
  RSA_PSS_SHA256: 4,
  RSA_PSS_SHA384: 5,
  RSA_PSS_SHA512: 6,
  ECDSA_P256_SHA256_ASN1: 7,
  ECDSA_P256_SHA256_FIXED: 8,
  ECDSA_P384_SHA384_ASN1: 9,
  ECDSA_P384_SHA384_FIXED: 10,
  ED25519: 11,
} as const satisfies { readonly [K in keyof typeof ProtoSignatureAlgorithm]: (typeof ProtoSignatureAlgorithm)[K] };
export type SignatureAlgorithm = ProtoSignatureAlgorithm;

/** Proto names by number: protobuf-es drops the shared prefix from the enum keys; the proto keeps it. */
function protoNames(prefix: string, values: Readonly<Record<string, number>>): ReadonlyMap<number, string> {
  return new Map(Object.entries(values).map(([name, number]) => [number, `${prefix}${name}`]));
}

export const KEY_TYPE_PROTO_NAMES = protoNames("KEY_TYPE_", KeyType);
export const SIGNATURE_ALGORITHM_PROTO_NAMES = protoNames("SIGNATURE_ALGORITHM_", SignatureAlgorithm);
