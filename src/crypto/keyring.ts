/**
 * The server's keys: one private key per KeyType, generated at start-up and held in memory only. Nothing here
 * writes, serialises or logs a private key; inspecting or JSON-serialising a Keyring shows only public facts. The
 * only in-memory copies are wiped right after use: the hand-over to workers and the PSS re-import (rsa-pss-key.ts).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { inspect } from "node:util";
import type { KeyType } from "./enum-values.js";
import { ALL_ALGORITHMS, type AlgorithmSpec } from "./algorithms.js";
import { cryptoErrors } from "./errors.js";
import { GrpcError } from "../errors/grpc-error.js";
import { generateKeySet, KeySet, type KeyringOptions, type PrivateKeySource, type PublicKeyInfo } from "./keyring-keys.js";
import { signKeyArguments, signOffLoop, verifyKeyArgument, verifyOffLoop, type SignKeyArgument, type VerifyKeyArgument } from "./sign.js";
import { SigningThreads, type SigningThreadInfo, type SigningThreadsOptions } from "./signing-threads.js";

export type { KeyringOptions, PublicKeyInfo } from "./keyring-keys.js";

interface HeldKey {
  readonly info: PublicKeyInfo;
  readonly privateKey: KeyObject;
  readonly signArgs: ReadonlyMap<number, SignKeyArgument>;
  readonly verifyArgs: ReadonlyMap<number, VerifyKeyArgument>;
}

/** How a keyring signs once startSigningThreads() has run (before that, on libuv's pool); the keyring is the fallback. */
export type SigningThreadsConfig = Omit<SigningThreadsOptions, "fallback" | "entry">;

export class Keyring implements PrivateKeySource {
  /** The keys and their public facts; the keyring adds what signing needs to each (HeldKey). */
  readonly #keySet: KeySet;
  readonly #keys = new Map<KeyType, HeldKey>();
  /** The signing threads, once they sign (set when started eagerly, or when deferred ones are ready). */
  #threads: SigningThreads | undefined;
  /** Threads to start at the first Sign (startSigningThreadsOnFirstSign), until they are started. */
  #deferred: SigningThreadsConfig | undefined;
  /** Deferred threads that are starting or started, so close() stops them too. */
  #starting: SigningThreads | undefined;
  #closed = false;

  /**
   * Builds a keyring from private keys that already exist (generated here, or handed over by another process), or
   * from a KeySet. Throws TypeError for a key that is not private or whose type does not match its slot.
   */
  constructor(privateKeys: KeySet | Iterable<readonly [KeyType, KeyObject]>) {
    this.#keySet = privateKeys instanceof KeySet ? privateKeys : new KeySet(privateKeys);
    for (const [keyType, privateKey, info] of this.#keySet.entries()) this.#keys.set(keyType, holdKey(info, privateKey));
  }

  /** The public facts about the key of this type, or undefined when the keyring holds none. */
  publicKey(keyType: KeyType): PublicKeyInfo | undefined {
    return this.#keySet.publicKey(keyType);
  }

  /** Public facts of every key held, in KeyType order. */
  list(): PublicKeyInfo[] {
    return this.#keySet.list();
  }

  /**
   * Signs off the event loop: on the signing threads once started, else on libuv's pool (and, when threads are
   * deferred, starts them). The spec must come from
   * validation (its key type decides the key).
   */
  async sign(spec: AlgorithmSpec, data: Uint8Array): Promise<{ signature: Uint8Array; keyId: string }> {
    const held = this.#held(spec.keyType);
    try {
      const threads = this.#threads;
      if (threads === undefined && this.#deferred !== undefined) this.#startDeferredThreads(this.#deferred);
      const signature = threads !== undefined ? await threads.sign(spec, data) : await this.#signOnPool(spec, data);
      return { signature, keyId: held.info.keyId };
    } catch (error) {
      throw error instanceof GrpcError ? error : cryptoErrors.signingFailed(spec.algorithm, error);
    }
  }

  /**
   * From now on, signs on `config.threads` signing threads (signing-threads.ts) that hold clones of the private
   * keys, inside this process. Resolves with each thread's id and nice value once all have started. Once only.
   */
  startSigningThreads(config: SigningThreadsConfig): Promise<SigningThreadInfo[]> {
    if (this.#threads !== undefined || this.#starting !== undefined || this.#deferred !== undefined) {
      throw new Error("the signing threads have already been started");
    }
    this.#threads = this.#newThreads(config);
    return this.#threads.ready();
  }

  /**
   * Starts the signing threads at the first Sign instead of now: a server that never signs never pays for them
   * (each thread holds a V8 isolate, ~10 MB). Calls signed while they start go to libuv's pool, so the first
   * calls do not wait for the threads; once every thread is up, signing moves to them. Once only.
   */
  startSigningThreadsOnFirstSign(config: SigningThreadsConfig): void {
    if (this.#threads !== undefined || this.#starting !== undefined || this.#deferred !== undefined) {
      throw new Error("the signing threads have already been started");
    }
    this.#deferred = config;
  }

  /** Whether signing threads exist (started, or starting after a first Sign). */
  get signingThreadsStarted(): boolean {
    return this.#threads !== undefined || this.#starting !== undefined;
  }

  /** Each thread's id and nice value once all are up; undefined while none exist (deferred and no Sign yet). */
  signingThreadsReady(): Promise<SigningThreadInfo[]> | undefined {
    return (this.#threads ?? this.#starting)?.ready();
  }

  #newThreads(config: SigningThreadsConfig): SigningThreads {
    const keys = [...this.#keys].map(([keyType, held]) => [keyType, held.privateKey] as const);
    return new SigningThreads(keys, { ...config, fallback: (spec, data) => this.#signOnPool(spec, data) });
  }

  #startDeferredThreads(config: SigningThreadsConfig): void {
    this.#deferred = undefined;
    if (this.#closed) return;
    let threads: SigningThreads;
    try {
      threads = this.#newThreads(config);
    } catch (error) {
      config.log?.error({ err: error }, "cannot start the signing threads; signing on libuv's pool");
      return;
    }
    this.#starting = threads;
    threads.ready().then((started) => {
      if (threads.closed) return;
      this.#threads = threads;
      config.log?.debug({ threads: started, startedBy: "first Sign" }, "signing threads started");
    }, (error: unknown) => config.log?.error({ err: error }, "signing threads failed to start; signing on libuv's pool"));
  }

  /** Stops the signing threads (calls still signing there fail UNAVAILABLE); deferred ones will not start. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#deferred = undefined;
    await Promise.all([this.#threads?.close(), this.#starting?.close()]);
  }

  #signOnPool(spec: AlgorithmSpec, data: Uint8Array): Promise<Uint8Array> {
    const key = this.#held(spec.keyType).signArgs.get(spec.algorithm);
    if (key === undefined) return Promise.reject(new Error("no prepared key for algorithm"));
    return signOffLoop(spec, key, data);
  }

  /** Verifies off the event loop against the held key's public half. */
  async verify(spec: AlgorithmSpec, data: Uint8Array, signature: Uint8Array): Promise<boolean> {
    const key = this.#held(spec.keyType).verifyArgs.get(spec.algorithm);
    if (key === undefined) throw cryptoErrors.verifyingFailed(spec.algorithm, new Error("no prepared key for algorithm"));
    try {
      return await verifyOffLoop(spec, key, data, signature);
    } catch (error) {
      throw cryptoErrors.verifyingFailed(spec.algorithm, error);
    }
  }

  /**
   * The one way out for private keys: PKCS#8 DER copies, only for handing the same keys to this server's worker
   * processes over their IPC channel (src/crypto/keyring-transfer.ts). Never written to disk or logged; the caller
   * wipes the buffers (fill(0)) once sent.
   */
  exportPrivateKeysForWorkers(): Array<readonly [KeyType, Buffer]> {
    return this.#keySet.exportPrivateKeysForWorkers();
  }

  #held(keyType: KeyType): HeldKey {
    const held = this.#keys.get(keyType);
    if (held === undefined) throw cryptoErrors.keyNotHeld(keyType);
    return held;
  }

  // Only public facts, whatever a caller logs or serialises.
  toJSON(): { keyType: string; keyId: string; description: string }[] {
    return this.#keySet.toJSON();
  }

  [inspect.custom](): string {
    return `Keyring ${JSON.stringify(this.toJSON())}`;
  }
}

function holdKey(info: PublicKeyInfo, privateKey: KeyObject): HeldKey {
  const publicKey = createPublicKey(privateKey);
  // The node:crypto key arguments are prepared once per algorithm, so the signing path allocates nothing for them.
  const signArgs = signKeyArguments(info.keyType, privateKey);
  const verifyArgs = new Map<number, VerifyKeyArgument>();
  for (const spec of ALL_ALGORITHMS) {
    if (spec.keyType === info.keyType) verifyArgs.set(spec.algorithm, verifyKeyArgument(spec, publicKey));
  }
  return { info, privateKey, signArgs, verifyArgs };
}

/**
 * Generates one key of every KeyType (generateKeySet in keyring-keys.ts) and holds them in a Keyring. Resolves once
 * every key exists; the server should listen only after.
 */
export async function generateKeyring(options: KeyringOptions = {}): Promise<Keyring> {
  return new Keyring(await generateKeySet(options));
}
