import { Code, codeName } from "./codes.js";
import type { Metadata } from "../protocol/metadata.js";

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
  readonly metadata: Metadata;

  constructor(code: Code, message: string, options?: { cause?: unknown; metadata?: Metadata }) {
    super(message === "" ? `[${codeName(code)}]` : `[${codeName(code)}] ${message}`, { cause: options?.cause });
    this.code = code;
    this.rawMessage = message;
    this.metadata = options?.metadata ?? {};
  }

  /** The code's canonical name, e.g. "UNAVAILABLE". */
  get codeName(): string {
    return codeName(this.code);
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
