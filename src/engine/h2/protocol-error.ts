/** An HTTP/2 protocol failure, carrying the RFC 9113 error code sent (or received) with it. */
export class H2ProtocolError extends Error {
  override readonly name = "H2ProtocolError";

  constructor(message: string, readonly http2Code: number) {
    super(message);
  }
}

/**
 * A protocol error caused by the peer: no stack trace (it would point into the engine, not at a bug), which also
 * keeps floods of bad frames cheap.
 */
export function peerProtocolError(message: string, http2Code: number): H2ProtocolError {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return new H2ProtocolError(message, http2Code);
  } finally {
    Error.stackTraceLimit = limit;
  }
}
