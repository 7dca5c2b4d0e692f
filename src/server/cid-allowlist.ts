/**
 * The VSOCK CID allowlist (--allow-cid): which peers a vsock:// listener serves. The peer's CID comes from the
 * transport's PeerInfo label ("vsock:CID:PORT", from getpeername on the accepted socket, which the peer cannot
 * forge: the hypervisor assigns guest CIDs). A label without a readable CID is refused.
 */
import type { PeerInfo } from "../transport/types.js";

export interface CidFilter {
  allows(peer: PeerInfo): boolean;
  /** "3,4", for logs. */
  readonly description: string;
}

const VSOCK_LABEL = /^vsock:(\d{1,10}):/;

/** The CID in a vsock PeerInfo, or undefined when it is not one or the label has none. */
export function peerCid(peer: PeerInfo): number | undefined {
  if (peer.transport !== "vsock") return undefined;
  const match = VSOCK_LABEL.exec(peer.label);
  return match ? Number(match[1]) : undefined;
}

export function cidFilter(cids: readonly number[]): CidFilter {
  for (const cid of cids) {
    if (!Number.isInteger(cid) || cid < 0 || cid > 0xffffffff) throw new RangeError(`invalid CID ${cid} in the allowlist`);
  }
  const allowed = new Set(cids);
  return {
    allows: (peer) => {
      const cid = peerCid(peer);
      return cid !== undefined && allowed.has(cid);
    },
    description: [...allowed].join(","),
  };
}

/** Parses the CLI's --allow-cid value: "3" or "3,4,10" (whitespace allowed). Throws a RangeError fit for a usage message. */
export function parseCidList(text: string): number[] {
  const parts = text.split(",").map((part) => part.trim());
  if (parts.length === 0 || parts.some((part) => !/^\d{1,10}$/.test(part))) {
    throw new RangeError(`--allow-cid must be a comma-separated list of CIDs, got "${text}"`);
  }
  const cids = parts.map(Number);
  for (const cid of cids) if (cid > 0xffffffff) throw new RangeError(`CID ${cid} is out of range`);
  return cids;
}
