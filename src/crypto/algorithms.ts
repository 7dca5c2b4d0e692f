/**
 * The signature algorithm table: for each SignatureAlgorithm, its command-line name, the key type it needs and how
 * node:crypto must be called for it; and for each key type, its command-line name and default algorithm. The one
 * table shared by the server (signing, Verify), the client (local verification) and every CLI (fastgrpc-client's
 * crypto commands, fastgrpc-bench's --key-type/--algorithm).
 */
import { constants } from "node:crypto";
import { KEY_TYPE_PROTO_NAMES, KeyType, SIGNATURE_ALGORITHM_PROTO_NAMES, SignatureAlgorithm } from "./enum-values.js";

export type DigestName = "sha256" | "sha384" | "sha512";

/** The options that go next to the key in node:crypto's sign/verify; absent when the bare KeyObject does. */
export interface KeyCallOptions {
  readonly padding?: number;
  readonly saltLength?: number;
}

export interface AlgorithmSpec {
  readonly algorithm: SignatureAlgorithm;
  /** The command-line name: the enum's local name in lower case with dashes (RSA_PSS_SHA256 -> "rsa-pss-sha256"). */
  readonly name: string;
  readonly keyType: KeyType;
  /** The digest node:crypto is given; null for Ed25519, which signs the message itself. */
  readonly digest: DigestName | null;
  /**
   * Undefined when the defaults fit (PKCS#1 v1.5 padding, ECDSA, Ed25519): node:crypto is then called with the
   * bare KeyObject, which is measurably cheaper per signature than an options object. Only PSS needs options.
   */
  readonly keyOptions: KeyCallOptions | undefined;
  /**
   * For FIXED (r||s) ECDSA: the length of r and of s (32 or 48). Signing and verifying then use DER with the bare
   * KeyObject and convert (see ecdsa-signature.ts), which is faster than node's dsaEncoding "ieee-p1363".
   */
  readonly fixedHalfBytes?: number;
}

// PSS as the ring crate and RFC 8017 profiles use it: MGF1 with the message digest (OpenSSL's default when no MGF1
// digest is set) and a salt as long as the digest. node:crypto's default salt is the maximum, hence the constant.
const pss: KeyCallOptions = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };

const specs: readonly AlgorithmSpec[] = ([
  { algorithm: SignatureAlgorithm.RSA_PKCS1_SHA256, keyType: KeyType.RSA, digest: "sha256", keyOptions: undefined },
  { algorithm: SignatureAlgorithm.RSA_PKCS1_SHA384, keyType: KeyType.RSA, digest: "sha384", keyOptions: undefined },
  { algorithm: SignatureAlgorithm.RSA_PKCS1_SHA512, keyType: KeyType.RSA, digest: "sha512", keyOptions: undefined },
  { algorithm: SignatureAlgorithm.RSA_PSS_SHA256, keyType: KeyType.RSA, digest: "sha256", keyOptions: pss },
  { algorithm: SignatureAlgorithm.RSA_PSS_SHA384, keyType: KeyType.RSA, digest: "sha384", keyOptions: pss },
  { algorithm: SignatureAlgorithm.RSA_PSS_SHA512, keyType: KeyType.RSA, digest: "sha512", keyOptions: pss },
  { algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1, keyType: KeyType.EC_P256, digest: "sha256", keyOptions: undefined },
  { algorithm: SignatureAlgorithm.ECDSA_P256_SHA256_FIXED, keyType: KeyType.EC_P256, digest: "sha256", keyOptions: undefined, fixedHalfBytes: 32 },
  { algorithm: SignatureAlgorithm.ECDSA_P384_SHA384_ASN1, keyType: KeyType.EC_P384, digest: "sha384", keyOptions: undefined },
  { algorithm: SignatureAlgorithm.ECDSA_P384_SHA384_FIXED, keyType: KeyType.EC_P384, digest: "sha384", keyOptions: undefined, fixedHalfBytes: 48 },
  { algorithm: SignatureAlgorithm.ED25519, keyType: KeyType.ED25519, digest: null, keyOptions: undefined },
] satisfies ReadonlyArray<Omit<AlgorithmSpec, "name">>).map((spec) => ({ ...spec, name: cliName(SignatureAlgorithm, spec.algorithm) }));

export interface KeyTypeSpec {
  readonly keyType: KeyType;
  /** The command-line name ("rsa", "ec-p256", "ec-p384", "ed25519"). */
  readonly name: string;
  /** The algorithm used when a command names only the key type. */
  readonly defaultAlgorithm: SignatureAlgorithm;
}

const keyTypeSpecs: readonly KeyTypeSpec[] = ([
  { keyType: KeyType.RSA, defaultAlgorithm: SignatureAlgorithm.RSA_PKCS1_SHA256 },
  { keyType: KeyType.EC_P256, defaultAlgorithm: SignatureAlgorithm.ECDSA_P256_SHA256_ASN1 },
  { keyType: KeyType.EC_P384, defaultAlgorithm: SignatureAlgorithm.ECDSA_P384_SHA384_ASN1 },
  { keyType: KeyType.ED25519, defaultAlgorithm: SignatureAlgorithm.ED25519 },
] satisfies ReadonlyArray<Omit<KeyTypeSpec, "name">>).map((spec) => ({ ...spec, name: cliName(KeyType, spec.keyType) }));

/** The algorithm a command uses when it names neither an algorithm nor a key type. */
export const DEFAULT_ALGORITHM: SignatureAlgorithm = SignatureAlgorithm.ECDSA_P256_SHA256_ASN1;

// CLI names are the enum's local names in lower case with dashes: EC_P256 -> "ec-p256", RSA_PSS_SHA256 -> "rsa-pss-sha256".
function cliName(values: Readonly<Record<string, number>>, value: number): string {
  const localName = Object.keys(values).find((name) => values[name] === value) ?? String(value);
  return localName.toLowerCase().replaceAll("_", "-");
}

const byAlgorithm = new Map<number, AlgorithmSpec>(specs.map((spec) => [spec.algorithm, spec]));

/** The spec of a known algorithm, or undefined for UNSPECIFIED and numbers outside the enum. */
export function algorithmSpec(algorithm: number): AlgorithmSpec | undefined {
  return byAlgorithm.get(algorithm);
}

/** Every supported algorithm, in enum order. */
export const ALL_ALGORITHMS: readonly AlgorithmSpec[] = specs;

/** Every real key type (UNSPECIFIED excluded), in enum order. */
export const ALL_KEY_TYPES: readonly KeyType[] = keyTypeSpecs.map((spec) => spec.keyType);

/** Every key type's spec, in enum order. */
export const KEY_TYPE_SPECS: readonly KeyTypeSpec[] = keyTypeSpecs;

const algorithmsByCliName = new Map<string, AlgorithmSpec>(specs.map((spec) => [spec.name, spec]));
const keyTypesByCliName = new Map<string, KeyTypeSpec>(keyTypeSpecs.map((spec) => [spec.name, spec]));
const keyTypesByValue = new Map<number, KeyTypeSpec>(keyTypeSpecs.map((spec) => [spec.keyType, spec]));

/** The spec of the algorithm with this command-line name. */
export function algorithmByCliName(name: string): AlgorithmSpec | undefined {
  return algorithmsByCliName.get(name);
}

/** The spec of the key type with this command-line name. */
export function keyTypeByCliName(name: string): KeyTypeSpec | undefined {
  return keyTypesByCliName.get(name);
}

/** The spec of a known key type, or undefined for UNSPECIFIED and numbers outside the enum. */
export function keyTypeSpec(keyType: number): KeyTypeSpec | undefined {
  return keyTypesByValue.get(keyType);
}

/** The proto name of a key type ("KEY_TYPE_RSA"), or the bare number for a value outside the enum. */
export function keyTypeName(keyType: number): string {
  return keyTypeNames.get(keyType) ?? String(keyType);
}

/** The proto name of an algorithm ("SIGNATURE_ALGORITHM_RSA_PSS_SHA256"), or the bare number outside the enum. */
export function algorithmName(algorithm: number): string {
  return algorithmNames.get(algorithm) ?? String(algorithm);
}

const keyTypeNames = KEY_TYPE_PROTO_NAMES;
const algorithmNames = SIGNATURE_ALGORITHM_PROTO_NAMES;
