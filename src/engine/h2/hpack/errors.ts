/** Why a header block was rejected; lets the connection layer log precisely while still answering COMPRESSION_ERROR. */
export type HpackErrorReason =
  | 'invalid-index'
  | 'truncated'
  | 'integer-overflow'
  | 'invalid-huffman'
  | 'invalid-size-update'
  | 'header-list-too-large'
  | 'invalid-input';

/**
 * Any HPACK failure. A decoding failure leaves the dynamic table out of sync with the peer, so the connection layer
 * must treat every HpackError from the decoder as a connection error of type COMPRESSION_ERROR (RFC 9113 §4.3).
 */
export class HpackError extends Error {
  readonly reason: HpackErrorReason;

  constructor(message: string, reason: HpackErrorReason = 'invalid-input') {
    super(message);
    this.name = 'HpackError';
    this.reason = reason;
  }
}
