/** The one request the whole run sends, encoded once: its method path and protobuf bytes. */
import { create, toBinary } from "@bufbuild/protobuf";
import { EchoRequestSchema } from "../gen/fastgrpc/echo/v1/echo_pb.js";
import { SignRequestSchema } from "../gen/fastgrpc/crypto/v1/crypto_pb.js";
import type { BenchService } from "./options.js";
import { KEY_TYPES, SIGNATURE_ALGORITHMS } from "./sign-algorithms.js";

export const ECHO_PATH = "/fastgrpc.echo.v1.EchoService/Echo";
export const SIGN_PATH = "/fastgrpc.crypto.v1.CryptoService/Sign";

export interface RequestChoice {
  readonly service: BenchService;
  readonly payloadBytes: number;
  readonly keyType: string | undefined;
  readonly algorithm: string | undefined;
}

export interface EncodedRequest {
  readonly path: string;
  readonly message: Uint8Array;
}

export function encodeRequest(choice: RequestChoice): EncodedRequest {
  // A repeating byte pattern: the content does not matter (gRPC compression is off), its size does.
  const payload = new Uint8Array(choice.payloadBytes);
  for (let i = 0; i < payload.length; i++) payload[i] = 0x61 + (i % 26);
  if (choice.service === "echo") {
    return { path: ECHO_PATH, message: toBinary(EchoRequestSchema, create(EchoRequestSchema, { payload })) };
  }
  const algorithm = choice.algorithm === undefined ? undefined : SIGNATURE_ALGORITHMS.get(choice.algorithm);
  const keyType = choice.keyType === undefined ? algorithm?.keyType : KEY_TYPES.get(choice.keyType);
  if (algorithm === undefined || keyType === undefined) {
    throw new TypeError(`sign needs a known key type and algorithm, not ${choice.keyType}/${choice.algorithm}`);
  }
  const request = create(SignRequestSchema, { data: payload, keyType, algorithm: algorithm.value });
  return { path: SIGN_PATH, message: toBinary(SignRequestSchema, request) };
}
