/**
 * Handing the server's signing keys from the primary process to its workers, so that every worker signs with the
 * same keys: PKCS#8 DER bytes carried by the IPC channel (memory to memory, never a file), rebuilt into KeyObjects
 * by the worker. Both sides zero their copies of the bytes as soon as they are done with them.
 */
import { createPrivateKey, type KeyObject } from "node:crypto";
import { KeyType } from "./enum-values.js";
import { KeySet, type PrivateKeySource } from "./keyring-keys.js";

export interface TransferredKey {
  readonly keyType: number;
  /** PKCS#8 DER of the private key. */
  readonly pkcs8: Uint8Array;
}

export interface KeyTransfer {
  readonly keys: readonly TransferredKey[];
}

const KNOWN_KEY_TYPES = new Set<number>([KeyType.RSA, KeyType.EC_P256, KeyType.EC_P384, KeyType.ED25519]);

/** The primary's side: fresh DER copies of every key, to send and then wipe with wipeKeyTransfer(). */
export function exportKeyTransfer(source: PrivateKeySource): KeyTransfer {
  return { keys: source.exportPrivateKeysForWorkers().map(([keyType, der]) => ({ keyType, pkcs8: der })) };
}

/** Zeroes every key's bytes in place. */
export function wipeKeyTransfer(transfer: KeyTransfer): void {
  for (const key of transfer.keys) key.pkcs8.fill(0);
}

/** Whether an IPC payload has the shape of a key transfer (the contents are checked by keySetFromTransfer). */
export function isKeyTransfer(value: unknown): value is KeyTransfer {
  if (typeof value !== "object" || value === null) return false;
  const keys = (value as { keys?: unknown }).keys;
  return Array.isArray(keys) && keys.every((key: unknown) => {
    if (typeof key !== "object" || key === null) return false;
    const { keyType, pkcs8 } = key as { keyType?: unknown; pkcs8?: unknown };
    return typeof keyType === "number" && pkcs8 instanceof Uint8Array;
  });
}

/**
 * The worker's side: rebuilds the keys (a Keyring takes them: new Keyring(keySet)), then wipes the received bytes (also when it throws). Throws TypeError
 * for an unknown or repeated key type, bytes that are not a PKCS#8 private key, or a key in the wrong slot.
 */
export function keySetFromTransfer(transfer: KeyTransfer): KeySet {
  try {
    const keys: Array<readonly [KeyType, KeyObject]> = [];
    const seen = new Set<number>();
    for (const { keyType, pkcs8 } of transfer.keys) {
      if (!KNOWN_KEY_TYPES.has(keyType) || seen.has(keyType)) throw new TypeError(`key transfer: unexpected key type ${keyType}`);
      seen.add(keyType);
      let privateKey: KeyObject;
      try {
        privateKey = createPrivateKey({ key: Buffer.from(pkcs8.buffer, pkcs8.byteOffset, pkcs8.byteLength), format: "der", type: "pkcs8" });
      } catch (cause) {
        throw new TypeError(`key transfer: key type ${keyType} is not a PKCS#8 private key`, { cause });
      }
      keys.push([keyType as KeyType, privateKey]);
    }
    return new KeySet(keys);
  } finally {
    wipeKeyTransfer(transfer);
  }
}
