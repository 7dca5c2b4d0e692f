// A signing or verifying job cannot be taken back once queued, so the service does not queue one for a call that
// is already over (cancelled, past its deadline, force-closed): it answers CANCELLED and the keyring is not used.
import assert from "node:assert/strict";
import { test } from "node:test";
import { create } from "@bufbuild/protobuf";
import { Code } from "../../src/errors/codes.js";
import { GrpcError } from "../../src/errors/grpc-error.js";
import { generateKeyring } from "../../src/crypto/keyring.js";
import { KeyType, SignRequestSchema, SignatureAlgorithm, VerifyRequestSchema } from "../../src/gen/fastgrpc/crypto/v1/crypto_pb.js";
import { createCryptoService } from "../../src/services/crypto.js";
import { testCallContext } from "./helpers/call-context.js";

test("Sign and Verify answer CANCELLED without signing for a call that has ended", async () => {
  const keyring = await generateKeyring();
  let signed = 0;
  const service = createCryptoService(keyring, { onSigned: () => signed++ });
  const over = new AbortController();
  over.abort();
  const request = { data: new Uint8Array([1]), keyType: KeyType.ED25519, algorithm: SignatureAlgorithm.ED25519 };
  const cancelled = (error: unknown) => error instanceof GrpcError && error.code === Code.CANCELLED;
  await assert.rejects(Promise.resolve(service.sign(create(SignRequestSchema, request), testCallContext("/s", over.signal))), cancelled);
  await assert.rejects(
    Promise.resolve(service.verify(create(VerifyRequestSchema, { ...request, signature: new Uint8Array(64) }), testCallContext("/v", over.signal))),
    cancelled,
  );
  assert.equal(signed, 0);
  // The same call while it is still running signs.
  await service.sign(create(SignRequestSchema, request), testCallContext("/s"));
  assert.equal(signed, 1);
});
