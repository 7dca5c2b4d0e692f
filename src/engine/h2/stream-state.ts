/**
 * The stream states of RFC 9113 5.1 that a gRPC stream goes through (no push: "reserved" never occurs), and their
 * transitions in one place. Both engine roles read a stream's state only through these.
 */
export const enum StreamState {
  /** Not opened yet: a client call waiting for a concurrency slot (no id). */
  Idle,
  Open,
  /** We sent END_STREAM (or it is on its way out with the last DATA). */
  HalfClosedLocal,
  /** The peer sent END_STREAM. */
  HalfClosedRemote,
  /** Both sides ended, or the stream was reset; it leaves the connection's table. */
  Closed,
}

/** The state after we end our side. */
export function afterLocalEnd(state: StreamState): StreamState {
  return state === StreamState.HalfClosedRemote || state === StreamState.Closed ? StreamState.Closed : StreamState.HalfClosedLocal;
}

/** The state after the peer ends its side. */
export function afterRemoteEnd(state: StreamState): StreamState {
  return state === StreamState.HalfClosedLocal || state === StreamState.Closed ? StreamState.Closed : StreamState.HalfClosedRemote;
}

export function localEnded(state: StreamState): boolean {
  return state === StreamState.HalfClosedLocal || state === StreamState.Closed;
}

export function remoteEnded(state: StreamState): boolean {
  return state === StreamState.HalfClosedRemote || state === StreamState.Closed;
}
