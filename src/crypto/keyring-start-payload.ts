/** The keyring as a worker's start payload: the primary's keys travel to each worker and are wiped on both sides. */
import type { StartPayload } from "../server/workers/start-payload.js";
import type { Keyring } from "./keyring.js";
import { exportKeyTransfer, isKeyTransfer, keyringFromTransfer, wipeKeyTransfer } from "./keyring-transfer.js";

export function keyringStartPayload(keyring: Keyring): StartPayload {
  return {
    create: () => exportKeyTransfer(keyring),
    // The bytes are serialised when the message is written; wipe our copy then (also on failure).
    sent: (payload) => {
      if (isKeyTransfer(payload)) wipeKeyTransfer(payload);
    },
  };
}

/** The keyring a worker's start payload carries; TypeError when it carries none. */
export function keyringFromStartPayload(payload: unknown): Keyring {
  if (!isKeyTransfer(payload)) throw new TypeError("the start message carries no keyring");
  return keyringFromTransfer(payload);
}
