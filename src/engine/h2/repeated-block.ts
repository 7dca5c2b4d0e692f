/**
 * A header list one connection sends again and again (a response's `:status 200` + content-type, the OK trailers'
 * `grpc-status: 0`), encoded through the connection's HPACK encoder: the first time its fields go into the dynamic
 * table, and from then on the block is a few indexed octets (`grpc-status: 0` one octet instead of ~12 of literal),
 * which the peer decodes without Huffman or string copies. The block is kept and sent again as it is while the
 * encoder's table has not changed; any change (an insertion by other headers, a size update) makes it re-encoded.
 */
import type { HeaderBlocks } from "./header-blocks.js";

/** What a repeated block needs of the connection's header blocks: its encoder, and encoding with it. */
export type BlockEncoder = Pick<HeaderBlocks, "encoder" | "encode">;

export class RepeatedBlock {
  private block: Uint8Array | null = null;
  /** The encoder's tableChanges when `block` was made. */
  private madeAt = -1;

  constructor(private readonly fields: ReadonlyArray<readonly [string, string]>) {}

  /** The block to write now (written at once: a later block may change the table); null if it cannot be encoded. */
  take(blocks: BlockEncoder): Uint8Array | null {
    const encoder = blocks.encoder;
    const changes = encoder.tableChanges;
    if (this.block !== null && this.madeAt === changes && !encoder.hasPendingSizeUpdate) return this.block;
    const block = blocks.encode(this.fields);
    // Only a block that changed nothing may be sent twice: one that inserted its fields (or carried a size
    // update) would insert them again at the peer.
    if (block !== null && encoder.tableChanges === changes) {
      this.block = block;
      this.madeAt = changes;
    } else {
      this.block = null;
    }
    return block;
  }
}
