/** What each KeyType is in node:crypto terms: how to generate it and how to recognise an existing KeyObject. */
import type { KeyObject } from "node:crypto";
import { KeyType } from "./enum-values.js";

export const RSA_KEY_BITS = [2048, 3072, 4096] as const;
export type RsaKeyBits = (typeof RSA_KEY_BITS)[number];

export function isRsaKeyBits(value: number): value is RsaKeyBits {
  return (RSA_KEY_BITS as readonly number[]).includes(value);
}

/** The KeyType a node:crypto key is, or undefined when it is none of ours (e.g. an EC key on another curve). */
export function keyTypeOf(key: KeyObject): KeyType | undefined {
  switch (key.asymmetricKeyType) {
    case "rsa":
      return KeyType.RSA;
    case "ed25519":
      return KeyType.ED25519;
    case "ec": {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      if (curve === "prime256v1") return KeyType.EC_P256;
      if (curve === "secp384r1") return KeyType.EC_P384;
      return undefined;
    }
    default:
      return undefined;
  }
}

/** A short human description for logs: "RSA-2048", "EC P-256", "Ed25519". Never includes key material. */
export function describeKey(key: KeyObject): string {
  switch (keyTypeOf(key)) {
    case KeyType.RSA:
      return `RSA-${key.asymmetricKeyDetails?.modulusLength ?? "?"}`;
    case KeyType.EC_P256:
      return "EC P-256";
    case KeyType.EC_P384:
      return "EC P-384";
    case KeyType.ED25519:
      return "Ed25519";
    default:
      return key.asymmetricKeyType ?? "unknown";
  }
}
