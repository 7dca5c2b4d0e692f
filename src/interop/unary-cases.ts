/**
 * The interop client's unary test cases (grpc/grpc doc/interop-test-descriptions.md), each against
 * grpc.testing.TestService; a case resolves when it passes and throws a CaseFailure saying why when not.
 */
import type { GrpcClient } from "../client/client.js";
import { Code } from "../errors/codes.js";
import { EmptySchema } from "../gen/grpc/testing/empty_pb.js";
import { TestService, UnimplementedService } from "../gen/grpc/testing/test_pb.js";
import type { CallMetadata } from "../protocol/metadata.js";
import { CaseFailure, check, checkZeros, expectStatus } from "./check.js";

export type InteropCase = (client: GrpcClient) => Promise<void>;

export const LARGE_REQUEST_BYTES = 271828;
export const LARGE_RESPONSE_BYTES = 314159;
export const ECHO_INITIAL_VALUE = "test_initial_metadata_value";
/** 0xababab, base64 on the wire as every -bin value is. */
export const ECHO_TRAILING_BASE64 = "q6ur";
export const SPECIAL_STATUS_MESSAGE = "\t\ntest with whitespace\r\nand Unicode BMP \u263A and non-BMP \uD83D\uDE08\t\n";
const CONCURRENT_CALLS = 1000;

export function largeRequest(extra: object = {}) {
  return { responseSize: LARGE_RESPONSE_BYTES, payload: { body: new Uint8Array(LARGE_REQUEST_BYTES) }, ...extra };
}

/** A -bin metadata value as bytes, whether it arrives as base64 text or as bytes. */
export function binValue(value: CallMetadata[string] | undefined): Buffer | undefined {
  const single: unknown = Array.isArray(value) ? value[0] : value;
  if (typeof single === "string") return Buffer.from(single, "base64");
  if (single instanceof Uint8Array) return Buffer.from(single);
  return undefined;
}

async function largeUnary(client: GrpcClient): Promise<void> {
  const response = await client.unary(TestService.method.unaryCall, largeRequest());
  checkZeros(response.payload?.body, LARGE_RESPONSE_BYTES, "UnaryCall response");
}

export const unaryCases: Record<string, InteropCase> = {
  async empty_unary(client) {
    const response = await client.unary(TestService.method.emptyCall, {});
    check(response.$typeName === EmptySchema.typeName, "EmptyCall did not answer grpc.testing.Empty");
  },

  large_unary: largeUnary,

  async client_compressed_unary(client) {
    // The probe: a server that cannot see compression must refuse an uncompressed request that claims it.
    await expectStatus(client.unary(TestService.method.unaryCall, largeRequest({ expectCompressed: { value: true } }), { compression: "identity" }),
      Code.INVALID_ARGUMENT, "probe (expect_compressed=true sent uncompressed)");
    const compressed = await client.unary(TestService.method.unaryCall, largeRequest({ expectCompressed: { value: true } }), { compression: "gzip" });
    checkZeros(compressed.payload?.body, LARGE_RESPONSE_BYTES, "compressed request's response");
    const plain = await client.unary(TestService.method.unaryCall, largeRequest({ expectCompressed: { value: false } }), { compression: "identity" });
    checkZeros(plain.payload?.body, LARGE_RESPONSE_BYTES, "uncompressed request's response");
  },

  async server_compressed_unary(client) {
    // compression "identity" sends grpc-accept-encoding (we read gzip and deflate) and compresses nothing.
    for (const value of [true, false]) {
      const flags: boolean[] = [];
      const response = await client.unary(TestService.method.unaryCall, largeRequest({ responseCompressed: { value } }), {
        compression: "identity", onResponseMessage: (compressed) => flags.push(compressed),
      });
      checkZeros(response.payload?.body, LARGE_RESPONSE_BYTES, `response_compressed=${String(value)}`);
      check(flags[0] === value, `response_compressed=${String(value)}: the response's compressed flag is ${String(flags[0])}`);
    }
  },

  async custom_metadata(client) {
    const metadata = { "x-grpc-test-echo-initial": ECHO_INITIAL_VALUE, "x-grpc-test-echo-trailing-bin": ECHO_TRAILING_BASE64 };
    let headers: CallMetadata = {};
    let trailers: CallMetadata = {};
    const response = await client.unary(TestService.method.unaryCall, largeRequest(), {
      metadata,
      onHeader: (received) => { headers = received; },
      onTrailer: (received) => { trailers = received; },
    });
    checkZeros(response.payload?.body, LARGE_RESPONSE_BYTES, "UnaryCall response");
    checkEchoedMetadata(headers, trailers, "UnaryCall");
  },

  async status_code_and_message(client) {
    const message = "test status message";
    await expectStatus(client.unary(TestService.method.unaryCall, { responseStatus: { code: Code.UNKNOWN, message } }),
      Code.UNKNOWN, "UnaryCall", message);
  },

  async special_status_message(client) {
    await expectStatus(client.unary(TestService.method.unaryCall, { responseStatus: { code: Code.UNKNOWN, message: SPECIAL_STATUS_MESSAGE } }),
      Code.UNKNOWN, "UnaryCall", SPECIAL_STATUS_MESSAGE);
  },

  async unimplemented_method(client) {
    await expectStatus(client.unary(TestService.method.unimplementedCall, {}), Code.UNIMPLEMENTED, "TestService/UnimplementedCall");
  },

  async unimplemented_service(client) {
    await expectStatus(client.unary(UnimplementedService.method.unimplementedCall, {}), Code.UNIMPLEMENTED, "UnimplementedService/UnimplementedCall");
  },

  async concurrent_large_unary(client) {
    const results = await Promise.allSettled(Array.from({ length: CONCURRENT_CALLS }, () => largeUnary(client)));
    const failed = results.filter((result): result is PromiseRejectedResult => result.status === "rejected");
    const first = failed[0];
    if (first !== undefined) {
      const reason: unknown = first.reason;
      throw new CaseFailure(`${failed.length} of ${CONCURRENT_CALLS} calls failed, first: ${reason instanceof Error ? reason.message : String(reason)}`);
    }
  },
};

/** custom_metadata's check, for the unary and the full-duplex half. */
export function checkEchoedMetadata(headers: CallMetadata, trailers: CallMetadata, what: string): void {
  const initial = headers["x-grpc-test-echo-initial"];
  check(initial === ECHO_INITIAL_VALUE, `${what}: x-grpc-test-echo-initial in the headers is ${JSON.stringify(initial)}, expected "${ECHO_INITIAL_VALUE}"`);
  const trailing = binValue(trailers["x-grpc-test-echo-trailing-bin"]);
  check(trailing !== undefined && trailing.equals(Buffer.from([0xab, 0xab, 0xab])),
    `${what}: x-grpc-test-echo-trailing-bin in the trailers is ${trailing === undefined ? "missing" : trailing.toString("hex")}, expected ababab`);
}
