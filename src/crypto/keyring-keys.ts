/**
 * The server's private keys and their public facts, without the signing machinery: what a multi-worker server's
 * primary needs (generate, log the key ids, hand the keys to its workers). Kept apart from keyring.ts so that the
 * primary does not load the gRPC error types and, through them, protobuf-es (~9 MB RSS; docs/scaling.md, footprint).
 */
import { createHash, createPublicKey, generateKeyPair, type KeyObject } from "node:crypto";
import { inspect, promisify } from "node:util";
import { KeyType } from "./enum-values.js";
import { keyTypeName } from "./algorithms.js";
import { describeKey, isRsaKeyBits, keyTypeOf, type RsaKeyBits } from "./key-types.js";

/** The public facts about one key: what GetPublicKey returns and what start-up logs. */
export interface PublicKeyInfo {
  readonly keyType: KeyType;
  /** Lower-case hex SHA-256 of spkiDer. */
  readonly keyId: string;
  readonly spkiDer: Uint8Array;
  readonly pem: string;
  /** "RSA-2048", "EC P-256", ... */
  readonly description: string;
}

/** Whatever can hand its private keys to worker processes (a KeySet, a Keyring). */
export interface PrivateKeySource {
  exportPrivateKeysForWorkers(): Array<readonly [KeyType, Buffer]>;
}

/**
 * Private keys by KeyType with their public facts. Nothing here writes, serialises or logs a private key;
 * JSON-serialising a KeySet shows only public facts.
 */
export class KeySet implements PrivateKeySource {
  readonly #keys = new Map<KeyType, { readonly info: PublicKeyInfo; readonly privateKey: KeyObject }>();

  /** Throws TypeError for a key that is not private or whose type does not match its slot. */
  constructor(privateKeys: Iterable<readonly [KeyType, KeyObject]>) {
    for (const [keyType, privateKey] of privateKeys) {
      if (privateKey.type !== "private") throw new TypeError(`the ${keyTypeName(keyType)} key is not a private key`);
      if (keyTypeOf(privateKey) !== keyType) {
        throw new TypeError(`a ${describeKey(privateKey)} key cannot serve as ${keyTypeName(keyType)}`);
      }
      this.#keys.set(keyType, { info: publicKeyInfo(keyType, privateKey), privateKey });
    }
  }

  publicKey(keyType: KeyType): PublicKeyInfo | undefined {
    return this.#keys.get(keyType)?.info;
  }

  /** Public facts of every key held, in KeyType order. */
  list(): PublicKeyInfo[] {
    return [...this.#keys.values()].map((held) => held.info).sort((a, b) => a.keyType - b.keyType);
  }

  /** The keys themselves, for a Keyring built on this set. */
  entries(): Array<readonly [KeyType, KeyObject, PublicKeyInfo]> {
    return [...this.#keys].map(([keyType, held]) => [keyType, held.privateKey, held.info] as const);
  }

  /**
   * The one way out for private keys: PKCS#8 DER copies, only for handing the same keys to this server's worker
   * processes over their IPC channel (keyring-transfer.ts). Never written to disk or logged; the caller wipes the
   * buffers (fill(0)) once sent.
   */
  exportPrivateKeysForWorkers(): Array<readonly [KeyType, Buffer]> {
    return [...this.#keys].map(([keyType, held]) => [keyType, held.privateKey.export({ type: "pkcs8", format: "der" })] as const);
  }

  toJSON(): { keyType: string; keyId: string; description: string }[] {
    return this.list().map((info) => ({ keyType: keyTypeName(info.keyType), keyId: info.keyId, description: info.description }));
  }

  [inspect.custom](): string {
    return `KeySet ${JSON.stringify(this.toJSON())}`;
  }
}

function publicKeyInfo(keyType: KeyType, privateKey: KeyObject): PublicKeyInfo {
  const publicKey = createPublicKey(privateKey);
  const spkiDer = new Uint8Array(publicKey.export({ type: "spki", format: "der" }));
  return Object.freeze({
    keyType,
    keyId: createHash("sha256").update(spkiDer).digest("hex"),
    spkiDer,
    pem: String(publicKey.export({ type: "spki", format: "pem" })),
    description: describeKey(privateKey),
  });
}

const generate = promisify(generateKeyPair);

export interface KeyringOptions {
  /** RSA modulus size; 2048 unless told otherwise. */
  rsaBits?: RsaKeyBits;
}

/**
 * Generates one key of every KeyType, all four in parallel on libuv's thread pool (RSA-4096 can take seconds, and
 * the event loop stays free meanwhile). Resolves once every key exists; the server should listen only after.
 */
export async function generateKeySet(options: KeyringOptions = {}): Promise<KeySet> {
  const rsaBits = options.rsaBits ?? 2048;
  if (!isRsaKeyBits(rsaBits)) throw new RangeError(`RSA key size must be 2048, 3072 or 4096 bits, not ${String(rsaBits)}`);
  const [rsa, p256, p384, ed25519] = await Promise.all([
    generate("rsa", { modulusLength: rsaBits, publicExponent: 0x10001 }),
    generate("ec", { namedCurve: "P-256" }),
    generate("ec", { namedCurve: "P-384" }),
    generate("ed25519", undefined),
  ]);
  return new KeySet([
    [KeyType.RSA, rsa.privateKey],
    [KeyType.EC_P256, p256.privateKey],
    [KeyType.EC_P384, p384.privateKey],
    [KeyType.ED25519, ed25519.privateKey],
  ]);
}
