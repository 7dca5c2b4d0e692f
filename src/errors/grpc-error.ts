import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { Code, codeName } from "./codes.js";
import type { CallMetadata } from "../protocol/metadata.js";
import { type ErrorDetail, type OutgoingDetail, findDetails, packDetails } from "./status-details.js";

export interface GrpcErrorOptions {
  cause?: unknown;
  /** Trailing metadata to send with the status (server) or received with it (client). "-bin" values are bytes. */
  metadata?: CallMetadata;
  /** Rich error details (google.rpc.Status.details), sent in grpc-status-details-bin: `detail(ErrorInfoSchema, {...})`. */
  details?: readonly (OutgoingDetail | ErrorDetail)[];
}

const NO_DETAILS: readonly ErrorDetail[] = Object.freeze([]);

/**
 * The one error type of fastgrpc: a gRPC status code, a message and the cause.
 * Servers turn it into grpc-status/grpc-message trailers; clients reject calls with it.
 */
export class GrpcError extends Error {
  override readonly name = "GrpcError";
  readonly code: Code;
  /** The message without the "[CODE]" prefix that `message` carries. */
  readonly rawMessage: string;
  /** Trailing metadata received with (or to be sent with) the status. */
  readonly metadata: CallMetadata;
  /** Rich error details (google.rpc.Status.details), packed; `findDetails(Schema)` decodes those of one type. */
  readonly details: readonly ErrorDetail[];

  constructor(code: Code, message: string, options?: GrpcErrorOptions) {
    super(message === "" ? `[${codeName(code)}]` : `[${codeName(code)}] ${message}`, { cause: options?.cause });
    this.code = code;
    this.rawMessage = message;
    this.metadata = options?.metadata ?? {};
    this.details = options?.details === undefined || options.details.length === 0 ? NO_DETAILS : packDetails(options.details);
  }

  /** The code's canonical name, e.g. "UNAVAILABLE". */
  get codeName(): string {
    return codeName(this.code);
  }

  /** The details of one type, decoded: `error.findDetails(ErrorInfoSchema)`. */
  findDetails<Desc extends DescMessage>(desc: Desc): MessageShape<Desc>[] {
    return findDetails(this.details, desc);
  }

  /**
   * Normalises anything thrown into a GrpcError: a GrpcError passes through, an AbortSignal reason that is one
   * passes through, everything else becomes `fallback` (UNKNOWN by default) with the original as cause.
   */
  static from(reason: unknown, fallback: Code = Code.UNKNOWN): GrpcError {
    if (reason instanceof GrpcError) return reason;
    if (reason instanceof Error && reason.name === "AbortError" && reason.cause instanceof GrpcError) return reason.cause;
    const message = reason instanceof Error ? reason.message : String(reason);
    return new GrpcError(fallback, message, { cause: reason });
  }
}
