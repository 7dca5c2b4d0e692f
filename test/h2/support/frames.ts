/** Raw HTTP/2 frame building and parsing for the conformance tests and the fuzzer. */
import { HpackDecoder, HpackEncoder } from "../../../src/engine/h2/hpack/index.js";

export const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export const T = {
  DATA: 0, HEADERS: 1, PRIORITY: 2, RST_STREAM: 3, SETTINGS: 4, PUSH_PROMISE: 5, PING: 6, GOAWAY: 7,
  WINDOW_UPDATE: 8, CONTINUATION: 9,
} as const;

export const F = { END_STREAM: 1, ACK: 1, END_HEADERS: 4, PADDED: 8, PRIORITY: 0x20 } as const;

export const E = {
  NO_ERROR: 0, PROTOCOL_ERROR: 1, INTERNAL_ERROR: 2, FLOW_CONTROL_ERROR: 3, SETTINGS_TIMEOUT: 4, STREAM_CLOSED: 5,
  FRAME_SIZE_ERROR: 6, REFUSED_STREAM: 7, CANCEL: 8, COMPRESSION_ERROR: 9, CONNECT_ERROR: 10, ENHANCE_YOUR_CALM: 11,
} as const;

export const S = {
  HEADER_TABLE_SIZE: 1, ENABLE_PUSH: 2, MAX_CONCURRENT_STREAMS: 3, INITIAL_WINDOW_SIZE: 4, MAX_FRAME_SIZE: 5,
  MAX_HEADER_LIST_SIZE: 6,
} as const;

export interface Frame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

export function frame(type: number, flags: number, streamId: number, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  const b = Buffer.alloc(9 + payload.length);
  b.writeUIntBE(payload.length, 0, 3);
  b[3] = type;
  b[4] = flags;
  b.writeUInt32BE(streamId >>> 0, 5);
  b.set(payload, 9);
  return b;
}

export function settings(pairs: Array<[number, number]> = []): Buffer {
  const p = Buffer.alloc(pairs.length * 6);
  pairs.forEach(([id, v], i) => {
    p.writeUInt16BE(id, i * 6);
    p.writeUInt32BE(v, i * 6 + 2);
  });
  return frame(T.SETTINGS, 0, 0, p);
}

export const settingsAck = (): Buffer => frame(T.SETTINGS, F.ACK, 0);

export function ping(data = Buffer.alloc(8), ack = false): Buffer {
  return frame(T.PING, ack ? F.ACK : 0, 0, data);
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

export const windowUpdate = (sid: number, inc: number): Buffer => frame(T.WINDOW_UPDATE, 0, sid, u32(inc));
export const rst = (sid: number, code: number): Buffer => frame(T.RST_STREAM, 0, sid, u32(code));

export function goaway(last: number, code: number, debug = ""): Buffer {
  return frame(T.GOAWAY, 0, 0, Buffer.concat([u32(last), u32(code), Buffer.from(debug)]));
}

export function data(sid: number, payload: Uint8Array, flags: number = 0): Buffer {
  return frame(T.DATA, flags, sid, payload);
}

export function headers(sid: number, block: Uint8Array, flags: number = F.END_HEADERS): Buffer {
  return frame(T.HEADERS, flags, sid, block);
}

export function priority(sid: number, dependsOn: number, weight = 16): Buffer {
  return frame(T.PRIORITY, 0, sid, Buffer.concat([u32(dependsOn), Buffer.from([weight])]));
}

/** A gRPC message frame: 5-byte prefix + payload. */
export function grpcFrame(message: Uint8Array): Buffer {
  const b = Buffer.alloc(5 + message.length);
  b.writeUInt32BE(message.length, 1);
  b.set(message, 5);
  return b;
}

/** HPACK literal-without-indexing block, no Huffman: lets tests craft any header list, even invalid ones. */
export function literalBlock(fields: Array<[string, string]>): Buffer {
  const parts: Buffer[] = [];
  const str = (s: string): Buffer => {
    const bytes = Buffer.from(s, "latin1");
    return Buffer.concat([intBytes(bytes.length, 7, 0), bytes]);
  };
  for (const [n, v] of fields) parts.push(Buffer.from([0]), str(n), str(v));
  return Buffer.concat(parts);
}

export function intBytes(value: number, prefixBits: number, firstByteFlags: number): Buffer {
  const max = (1 << prefixBits) - 1;
  if (value < max) return Buffer.from([firstByteFlags | value]);
  const out = [firstByteFlags | max];
  value -= max;
  while (value >= 128) {
    out.push((value & 127) | 128);
    value = Math.floor(value / 128);
  }
  out.push(value);
  return Buffer.from(out);
}

export const REQUEST_FIELDS: Array<[string, string]> = [
  [":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Echo"], [":authority", "localhost"],
  ["content-type", "application/grpc"], ["te", "trailers"],
];

export function requestFields(path = "/test.Echo/Echo", extra: Array<[string, string]> = []): Array<[string, string]> {
  return [[":method", "POST"], [":scheme", "http"], [":path", path], [":authority", "localhost"],
    ["content-type", "application/grpc"], ["te", "trailers"], ...extra];
}

/** Incremental frame parser over a byte stream. */
export class FrameParser {
  private buf: Buffer = Buffer.alloc(0);
  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const out: Frame[] = [];
    while (this.buf.length >= 9) {
      const len = this.buf.readUIntBE(0, 3);
      if (this.buf.length < 9 + len) break;
      out.push({
        type: this.buf[3] as number,
        flags: this.buf[4] as number,
        streamId: this.buf.readUInt32BE(5) & 0x7fffffff,
        payload: Buffer.from(this.buf.subarray(9, 9 + len)),
      });
      this.buf = this.buf.subarray(9 + len);
    }
    return out;
  }
}

export { HpackDecoder, HpackEncoder };
