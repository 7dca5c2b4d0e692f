/**
 * The Crypto service: Sign, GetPublicKey and Verify over the server's start-up keyring. Validation turns bad enum
 * values into INVALID_ARGUMENT before any key is touched; signing runs on the signing threads (or libuv's pool),
 * verifying on libuv's pool.
 */
import { CryptoService } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
import { algorithmName, keyTypeName } from "../crypto/algorithms.js";
import { cryptoErrors } from "../crypto/errors.js";
import { errors } from "../errors/catalog.js";
import type { Keyring } from "../crypto/keyring.js";
import { requireAlgorithmFor, requireKeyType } from "../crypto/validation.js";
import type { CallContext, ServiceImpl } from "../server/service.js";

/** Optional observers of the service (metrics); absent ones cost one branch per call. */
export interface CryptoServiceHooks {
  /** A signature was made with this SignatureAlgorithm value. */
  onSigned?(algorithm: number): void;
}

export function createCryptoService(keyring: Keyring, hooks: CryptoServiceHooks = {}): ServiceImpl<typeof CryptoService> {
  const onSigned = hooks.onSigned;
  return {
    async sign(request, context) {
      const spec = requireAlgorithmFor(request.keyType, request.algorithm);
      logCall(context, "Sign", spec.keyType, spec.algorithm, request.data.byteLength);
      // A signing job cannot be cancelled once queued, so skip it for a call that is already over.
      if (context.ended) throw errors.cancelled("the call ended before signing");
      const { signature, keyId } = await keyring.sign(spec, request.data);
      if (onSigned !== undefined) onSigned(spec.algorithm);
      return { signature, keyId, algorithm: spec.algorithm };
    },

    getPublicKey(request, context) {
      const keyType = requireKeyType(request.keyType);
      logCall(context, "GetPublicKey", keyType, undefined, 0);
      const info = keyring.publicKey(keyType);
      if (info === undefined) throw cryptoErrors.keyNotHeld(keyType);
      return { keyType, spkiDer: info.spkiDer, pem: info.pem, keyId: info.keyId };
    },

    async verify(request, context) {
      const spec = requireAlgorithmFor(request.keyType, request.algorithm);
      logCall(context, "Verify", spec.keyType, spec.algorithm, request.data.byteLength);
      if (context.ended) throw errors.cancelled("the call ended before verifying");
      return { valid: await keyring.verify(spec, request.data, request.signature) };
    },
  };
}

// Names and sizes only: neither data, signatures nor keys are ever logged.
function logCall(context: CallContext, method: string, keyType: number, algorithm: number | undefined, dataBytes: number): void {
  if (!context.log.isLevelEnabled("debug")) return;
  context.log.debug(
    { method, keyType: keyTypeName(keyType), algorithm: algorithm === undefined ? undefined : algorithmName(algorithm), dataBytes },
    "crypto call",
  );
}
