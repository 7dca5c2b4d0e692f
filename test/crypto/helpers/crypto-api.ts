/**
 * The three Crypto calls as plain async functions, so that one set of contract tests runs against the service
 * handlers directly and against a real server over gRPC. Failures reject with GrpcError either way.
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import type {
  GetPublicKeyRequestSchema,
  GetPublicKeyResponse,
  SignRequestSchema,
  SignResponse,
  VerifyRequestSchema,
  VerifyResponse,
} from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import {
  GetPublicKeyRequestSchema as GetPublicKeyRequestDesc,
  SignRequestSchema as SignRequestDesc,
  VerifyRequestSchema as VerifyRequestDesc,
} from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { create } from "@bufbuild/protobuf";
import { GetPublicKeyResponseSchema, SignResponseSchema, VerifyResponseSchema } from "../../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import type { Keyring } from "../../../src/crypto/keyring.js";
import { createCryptoService } from "../../../src/services/crypto.js";
import { testCallContext } from "./call-context.js";

export interface CryptoApi {
  sign(request: MessageInitShape<typeof SignRequestSchema>): Promise<SignResponse>;
  getPublicKey(request: MessageInitShape<typeof GetPublicKeyRequestSchema>): Promise<GetPublicKeyResponse>;
  verify(request: MessageInitShape<typeof VerifyRequestSchema>): Promise<Pick<VerifyResponse, "valid">>;
}

/** Calls the handlers as the server would: decoded request message in, init shape out (normalised with create). */
export function directCryptoApi(keyring: Keyring): CryptoApi {
  const service = createCryptoService(keyring);
  return {
    sign: async (request) =>
      create(SignResponseSchema, await service.sign(create(SignRequestDesc, request), testCallContext("/fastgrpc.crypto.v1.CryptoService/Sign"))),
    getPublicKey: async (request) =>
      create(
        GetPublicKeyResponseSchema,
        await service.getPublicKey(create(GetPublicKeyRequestDesc, request), testCallContext("/fastgrpc.crypto.v1.CryptoService/GetPublicKey")),
      ),
    verify: async (request) =>
      create(VerifyResponseSchema, await service.verify(create(VerifyRequestDesc, request), testCallContext("/fastgrpc.crypto.v1.CryptoService/Verify"))),
  };
}
