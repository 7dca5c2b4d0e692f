/**
 * What every worker gets at start-up for its own use, opaque to the multi-process layer: the CLI sends its keyring
 * transfer (crypto/keyring-start-payload.ts), so this layer never imports the crypto keyring.
 */
export interface StartPayload {
  /** Made afresh for each worker's start message; structured-clone serialisable (Uint8Arrays travel as such). */
  create(): unknown;
  /** Runs once the message carrying `payload` was written, or could not be (wipe secrets here). */
  sent?(payload: unknown): void;
}

/** No payload: the workers need nothing but where to listen. */
export const NO_START_PAYLOAD: StartPayload = Object.freeze({ create: () => null });
