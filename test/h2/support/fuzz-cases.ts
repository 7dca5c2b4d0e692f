/**
 * Fuzz case generation: valid frame sequences from a small corpus, then mutated (bit flips, truncation, length,
 * type, flag and stream-id changes, frame insertion, duplication, reordering) or replaced by random frames, and cut
 * into random chunks. Deterministic for a seed.
 */
import { HpackEncoder } from "../../../src/engine/h2/hpack/index.js";
import { F, frame, grpcFrame, PREFACE, requestFields, settings, T, u32 } from "./frames.js";

export class Rng {
  constructor(private state: number) {
    if (this.state === 0) this.state = 0x9e3779b9;
  }

  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  int(n: number): number {
    return this.next() % n;
  }

  chance(p: number): boolean {
    return this.next() / 4294967296 < p;
  }

  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.next() & 0xff;
    return b;
  }
}

const enc = new HpackEncoder();
const REQUEST_BLOCK = Buffer.from(enc.encode(requestFields("/test.Echo/Echo")));
const STREAM_BLOCK = Buffer.from(enc.encode(requestFields("/test.Echo/Stream", [["x-a", "1"]])));
const RESPONSE_BLOCK = Buffer.from(new HpackEncoder().encode([[":status", "200"], ["content-type", "application/grpc"]]));
const TRAILER_BLOCK = Buffer.from(new HpackEncoder().encode([["grpc-status", "0"], ["grpc-message", "ok"]]));
const MSG = grpcFrame(Buffer.from("fuzz"));

/** Frames a client might send after the preface and SETTINGS. */
function clientFrames(rng: Rng): Buffer[] {
  const out: Buffer[] = [];
  const n = 1 + rng.int(6);
  let sid = 1;
  for (let i = 0; i < n; i++) {
    switch (rng.int(12)) {
      case 0: case 1: case 2:
        out.push(frame(T.HEADERS, F.END_HEADERS, sid, REQUEST_BLOCK), frame(T.DATA, F.END_STREAM, sid, MSG));
        sid += 2;
        break;
      case 3:
        out.push(frame(T.HEADERS, F.END_HEADERS, sid, STREAM_BLOCK), frame(T.DATA, 0, sid, MSG));
        if (rng.chance(0.5)) out.push(frame(T.RST_STREAM, 0, sid, u32(8)));
        sid += 2;
        break;
      case 4:
        out.push(frame(T.HEADERS, 0, sid, REQUEST_BLOCK.subarray(0, 4)),
          frame(T.CONTINUATION, F.END_HEADERS, sid, REQUEST_BLOCK.subarray(4)));
        sid += 2;
        break;
      case 5: out.push(frame(T.PING, 0, 0, rng.bytes(8))); break;
      case 6: out.push(frame(T.WINDOW_UPDATE, 0, rng.int(2) === 0 ? 0 : sid - 2, u32(1 + rng.int(100000)))); break;
      case 7: out.push(settings([[4, rng.int(100000)], [5, 16384 + rng.int(1000)], [1, rng.int(8192)]])); break;
      case 8: out.push(frame(T.PRIORITY, 0, sid, Buffer.from([0, 0, 0, rng.int(5), 16]))); break;
      case 9: out.push(frame(T.GOAWAY, 0, 0, Buffer.concat([u32(sid), u32(0)]))); break;
      case 10: out.push(frame(T.DATA, F.PADDED | F.END_STREAM, sid - 2 > 0 ? sid - 2 : 1, Buffer.concat([Buffer.from([3]), MSG, Buffer.alloc(3)]))); break;
      default: out.push(frame(T.SETTINGS, F.ACK, 0)); break;
    }
  }
  return out;
}

/** Frames a server might send to a client that has opened streams 1, 3 and 5. */
function serverFrames(rng: Rng): Buffer[] {
  const out: Buffer[] = [];
  const n = 1 + rng.int(6);
  for (let i = 0; i < n; i++) {
    const sid = 1 + 2 * rng.int(3);
    switch (rng.int(10)) {
      case 0: case 1:
        out.push(frame(T.HEADERS, F.END_HEADERS, sid, RESPONSE_BLOCK), frame(T.DATA, 0, sid, MSG),
          frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, sid, TRAILER_BLOCK));
        break;
      case 2: out.push(frame(T.HEADERS, F.END_HEADERS | F.END_STREAM, sid, RESPONSE_BLOCK)); break;
      case 3: out.push(frame(T.RST_STREAM, 0, sid, u32(rng.int(14)))); break;
      case 4: out.push(frame(T.GOAWAY, 0, 0, Buffer.concat([u32(rng.int(6)), u32(rng.int(3))]))); break;
      case 5: out.push(frame(T.PING, rng.int(2), 0, rng.bytes(8))); break;
      case 6: out.push(frame(T.WINDOW_UPDATE, 0, rng.int(2) === 0 ? 0 : sid, u32(1 + rng.int(100000)))); break;
      case 7: out.push(settings([[3, rng.int(4)], [4, rng.int(1 << 20)], [1, rng.int(8192)]])); break;
      case 8: out.push(frame(T.DATA, 0, sid, MSG)); break;
      default: out.push(frame(T.SETTINGS, F.ACK, 0)); break;
    }
  }
  return out;
}

function randomFrame(rng: Rng): Buffer {
  const len = rng.chance(0.95) ? rng.int(40) : rng.int(20000);
  const type = rng.chance(0.9) ? rng.int(10) : rng.int(256);
  return frame(type, rng.int(256), rng.chance(0.3) ? 0 : rng.int(12), rng.bytes(Math.min(len, 17000)));
}

function mutate(rng: Rng, frames: Buffer[]): Buffer[] {
  const out: Buffer[] = frames.map((f): Buffer => Buffer.from(f));
  const rounds = 1 + rng.int(4);
  for (let r = 0; r < rounds && out.length > 0; r++) {
    const i = rng.int(out.length);
    const f = out[i] as Buffer;
    switch (rng.int(9)) {
      case 0: if (f.length > 0) { const at = rng.int(f.length); f[at] = (f[at] as number) ^ (1 << rng.int(8)); } break; // bit flip
      case 1: if (f.length > 0) f[rng.int(f.length)] = rng.int(256); break; // byte set
      case 2: out[i] = f.subarray(0, rng.int(f.length + 1)); break; // truncate
      case 3: if (f.length >= 9) f.writeUIntBE(rng.chance(0.5) ? rng.int(f.length) : rng.int(1 << 24), 0, 3); break; // length
      case 4: if (f.length >= 9) f[3] = rng.int(12); break; // type
      case 5: if (f.length >= 9) f[4] = rng.int(256); break; // flags
      case 6: if (f.length >= 9) f.writeUInt32BE(rng.int(16) + (rng.chance(0.1) ? 0x80000000 : 0), 5); break; // stream id
      case 7: out.splice(i, 0, randomFrame(rng)); break; // insert
      default: out.splice(rng.int(out.length), 0, f); break; // duplicate / reorder
    }
  }
  return out;
}

/** Splits bytes into 1-4 chunks at random points. */
export function chunks(rng: Rng, bytes: Buffer): Buffer[] {
  const parts: Buffer[] = [];
  let pos = 0;
  const cuts = rng.int(4);
  for (let i = 0; i < cuts && pos < bytes.length; i++) {
    const next = pos + 1 + rng.int(bytes.length - pos);
    parts.push(bytes.subarray(pos, next));
    pos = next;
  }
  if (pos < bytes.length) parts.push(bytes.subarray(pos));
  return parts;
}

/** Bytes a client sends to the server engine: usually a valid preface + SETTINGS, then mutated or random frames. */
export function serverCase(rng: Rng): Buffer {
  const head = rng.chance(0.97) ? [PREFACE, settings()] : [rng.chance(0.5) ? PREFACE.subarray(0, rng.int(24)) : rng.bytes(24)];
  const kind = rng.int(10);
  const body = kind < 6 ? mutate(rng, clientFrames(rng)) : kind < 9 ? clientFrames(rng) : Array.from({ length: 1 + rng.int(5) }, () => randomFrame(rng));
  return Buffer.concat([...head, ...body]);
}

/** Bytes a server sends to the client engine: SETTINGS, then mutated or random frames. */
export function clientCase(rng: Rng): Buffer {
  const kind = rng.int(10);
  const body = kind < 6 ? mutate(rng, serverFrames(rng)) : kind < 9 ? serverFrames(rng) : Array.from({ length: 1 + rng.int(5) }, () => randomFrame(rng));
  return Buffer.concat([rng.chance(0.97) ? settings() : randomFrame(rng), ...body]);
}
