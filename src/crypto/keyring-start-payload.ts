/** The keyring as a worker's start payload: the primary's keys travel to each worker and are wiped on both sides. */
import type { StartPayload } from "../server/workers/start-payload.js";
import type { KeySet, PrivateKeySource } from "./keyring-keys.js";
import { exportKeyTransfer, isKeyTransfer, keySetFromTransfer, wipeKeyTransfer } from "./keyring-transfer.js";

export function keyringStartPayload(keys: PrivateKeySource): StartPayload {
  return {
    create: () => exportKeyTransfer(keys),
    // The bytes are serialised when the message is written; wipe our copy then (also on failure).
    sent: (payload) => {
      if (isKeyTransfer(payload)) wipeKeyTransfer(payload);
    },
  };
}

/** The keys a worker's start payload carries (new Keyring(keySet) signs with them); TypeError when it carries none. */
export function keySetFromStartPayload(payload: unknown): KeySet {
  if (!isKeyTransfer(payload)) throw new TypeError("the start message carries no keyring");
  return keySetFromTransfer(payload);
}
