/** The statuses the Crypto service produces, in one place (next to src/errors/catalog.ts's core ones). */
import { Code } from "../errors/codes.js";
import { GrpcError } from "../errors/grpc-error.js";
import { algorithmName, keyTypeName } from "./algorithms.js";

export const cryptoErrors = {
  keyTypeUnspecified: () =>
    new GrpcError(Code.INVALID_ARGUMENT, "key_type is KEY_TYPE_UNSPECIFIED; choose RSA, EC_P256, EC_P384 or ED25519"),
  unknownKeyType: (value: number) => new GrpcError(Code.INVALID_ARGUMENT, `key_type ${value} is not a known KeyType`),
  algorithmUnspecified: () =>
    new GrpcError(Code.INVALID_ARGUMENT, "algorithm is SIGNATURE_ALGORITHM_UNSPECIFIED; choose a signature algorithm"),
  unknownAlgorithm: (value: number) =>
    new GrpcError(Code.INVALID_ARGUMENT, `algorithm ${value} is not a known SignatureAlgorithm`),
  algorithmDoesNotFitKey: (algorithm: number, keyType: number, needs: number) =>
    new GrpcError(
      Code.INVALID_ARGUMENT,
      `algorithm ${algorithmName(algorithm)} does not fit key type ${keyTypeName(keyType)} (it needs ${keyTypeName(needs)})`,
    ),
  keyNotHeld: (keyType: number) =>
    new GrpcError(Code.FAILED_PRECONDITION, `this server holds no ${keyTypeName(keyType)} key`),
  // The library's error goes into `cause` for the server log only; OpenSSL errors name routines, never key bytes.
  signingFailed: (algorithm: number, cause: unknown) =>
    new GrpcError(Code.INTERNAL, `signing with ${algorithmName(algorithm)} failed in the crypto library`, { cause }),
  verifyingFailed: (algorithm: number, cause: unknown) =>
    new GrpcError(Code.INTERNAL, `verifying with ${algorithmName(algorithm)} failed in the crypto library`, { cause }),
} as const;
