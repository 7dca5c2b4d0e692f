/**
 * h2load's own ceiling: an HTTP/2 server that answers every request with the same prepared bytes, without decoding
 * anything (no HPACK, no gRPC framing, no message). It reads only the 9-byte frame headers, to learn which stream
 * ended and how many DATA bytes to give back as window, and answers each ended stream with a HEADERS, the DATA of a
 * gRPC echo response of the requested size, and the grpc-status trailers. What it costs per call is far below what
 * any server does, so the rate h2load reaches against it is the most h2load can drive at that shape and size: where a
 * server comes close to it, h2load is the limit, not the server (issue 12; docs/benchmarks.md §14).
 *
 *   node dist/perf/compare/canned-h2-server.js PORT PAYLOAD_BYTES     (loopback only; stop it with a signal)
 */
import net from "node:net";

const port = Number(process.argv[2] ?? 50071);
const payloadBytes = Number(process.argv[3] ?? 64);
if (!Number.isInteger(port) || port < 0 || port > 65535 || !Number.isInteger(payloadBytes) || payloadBytes < 0) {
  process.stderr.write("usage: canned-h2-server.js PORT PAYLOAD_BYTES\n");
  process.exit(2);
}

const HEADERS = 0x1, DATA = 0x0, SETTINGS = 0x4, PING = 0x6, GOAWAY = 0x7;
const END_STREAM = 0x1, END_HEADERS = 0x4, ACK = 0x1;
const PEER_MAX_FRAME = 16_384; // h2load's SETTINGS_MAX_FRAME_SIZE is the protocol default
const BIG_WINDOW = 0x7fff_ffff;

function frame(type: number, flags: number, streamId: number, payload: Uint8Array): Buffer {
  const out = Buffer.alloc(9 + payload.length);
  out.writeUIntBE(payload.length, 0, 3);
  out[3] = type;
  out[4] = flags;
  out.writeUInt32BE(streamId & 0x7fff_ffff, 5);
  out.set(payload, 9);
  return out;
}

/** HPACK literal header fields without indexing and without Huffman: the same bytes on every response. */
function literalHeaders(fields: ReadonlyArray<readonly [string, string]>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of fields) {
    if (name.length > 126 || value.length > 126) throw new RangeError("header too long for a one-byte length");
    parts.push(Buffer.from([0x00, name.length]), Buffer.from(name, "latin1"), Buffer.from([value.length]), Buffer.from(value, "latin1"));
  }
  return Buffer.concat(parts);
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return bytes;
}

/** One answer, stream id 0 in every frame header; `streamIdOffsets` says where to write the real one. */
function cannedAnswer(): { bytes: Buffer; streamIdOffsets: number[] } {
  const message = Buffer.concat([Buffer.from([0x0a, ...varint(payloadBytes)]), Buffer.alloc(payloadBytes, 0x78)]);
  const grpcFrame = Buffer.alloc(5 + message.length);
  grpcFrame.writeUInt32BE(message.length, 1);
  message.copy(grpcFrame, 5);
  const frames = [frame(HEADERS, END_HEADERS, 0, literalHeaders([[":status", "200"], ["content-type", "application/grpc"]]))];
  for (let offset = 0; offset < grpcFrame.length; offset += PEER_MAX_FRAME) {
    frames.push(frame(DATA, 0, 0, grpcFrame.subarray(offset, offset + PEER_MAX_FRAME)));
  }
  frames.push(frame(HEADERS, END_HEADERS | END_STREAM, 0, literalHeaders([["grpc-status", "0"]])));
  const streamIdOffsets: number[] = [];
  let at = 0;
  for (const f of frames) {
    streamIdOffsets.push(at + 5);
    at += f.length;
  }
  return { bytes: Buffer.concat(frames), streamIdOffsets };
}

const answer = cannedAnswer();
const settings = Buffer.alloc(12);
settings.writeUInt16BE(0x3, 0); // SETTINGS_MAX_CONCURRENT_STREAMS
settings.writeUInt32BE(1000, 2);
settings.writeUInt16BE(0x4, 6); // SETTINGS_INITIAL_WINDOW_SIZE: no stream ever waits for a WINDOW_UPDATE
settings.writeUInt32BE(BIG_WINDOW, 8);
const connectionWindow = Buffer.alloc(4);
connectionWindow.writeUInt32BE(BIG_WINDOW - 65_535, 0);
const SERVER_PREFACE = Buffer.concat([frame(SETTINGS, 0, 0, settings), frame(0x8, 0, 0, connectionWindow)]);
const SETTINGS_ACK = frame(SETTINGS, ACK, 0, new Uint8Array(0));
const CLIENT_PREFACE_BYTES = 24;

function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  socket.write(SERVER_PREFACE);
  let pending: Buffer = Buffer.alloc(0);
  let prefaceLeft = CLIENT_PREFACE_BYTES;
  let dataSinceUpdate = 0;
  socket.on("data", (chunk: Buffer) => {
    let buf = pending.length > 0 ? Buffer.concat([pending, chunk]) : chunk;
    if (prefaceLeft > 0) {
      const skip = Math.min(prefaceLeft, buf.length);
      prefaceLeft -= skip;
      buf = buf.subarray(skip);
    }
    const out: Buffer[] = [];
    let at = 0;
    while (buf.length - at >= 9) {
      const length = buf.readUIntBE(at, 3);
      if (buf.length - at < 9 + length) break;
      const type = buf[at + 3] ?? 0, flags = buf[at + 4] ?? 0, streamId = buf.readUInt32BE(at + 5) & 0x7fff_ffff;
      if (type === DATA) dataSinceUpdate += length;
      if (type === SETTINGS && (flags & ACK) === 0) out.push(SETTINGS_ACK);
      if (type === PING && (flags & ACK) === 0) out.push(frame(PING, ACK, 0, buf.subarray(at + 9, at + 9 + length)));
      if (type === GOAWAY) socket.end();
      if ((type === DATA || type === HEADERS) && (flags & END_STREAM) !== 0 && streamId !== 0) {
        const reply = Buffer.from(answer.bytes);
        for (const offset of answer.streamIdOffsets) reply.writeUInt32BE(streamId, offset);
        out.push(reply);
      }
      at += 9 + length;
    }
    pending = at < buf.length ? Buffer.from(buf.subarray(at)) : Buffer.alloc(0);
    // Give the connection window back long before it runs out (stream windows are 2^31-1 each).
    if (dataSinceUpdate > 1 << 30) {
      const increment = Buffer.alloc(4);
      increment.writeUInt32BE(dataSinceUpdate, 0);
      out.push(frame(0x8, 0, 0, increment));
      dataSinceUpdate = 0;
    }
    if (out.length > 0) socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
  });
}

const server = net.createServer(serve);
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  process.stdout.write(`canned-h2-server listening on tcp://127.0.0.1:${bound} (${payloadBytes}-byte answers)\n`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
