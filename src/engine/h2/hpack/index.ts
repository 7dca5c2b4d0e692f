/** HPACK (RFC 7541) for the fastgrpc HTTP/2 engine. */
export { HpackError, type HpackErrorReason } from './errors.js';
export {
  HpackDecoder,
  type HpackDecoderOptions,
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_MAX_HEADER_LIST_SIZE,
} from './decoder.js';
export { HpackEncoder, type HpackEncoderOptions, DEFAULT_UNINDEXED_NAMES } from './encoder.js';
export { huffmanEncode, huffmanDecode } from './huffman.js';
export { STATIC_TABLE } from './static-table.js';
