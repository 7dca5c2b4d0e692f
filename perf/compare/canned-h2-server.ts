/**
 * h2load's own ceiling: an HTTP/2 server that answers every request with the same prepared bytes, without decoding
 * anything (no HPACK, no gRPC framing, no message). It reads only the 9-byte frame headers, to learn which stream
 * ended and how many DATA bytes to give back as window, and answers each ended stream with a HEADERS, the DATA of a
 * gRPC echo response of the requested size, and the grpc-status trailers. What it costs per call is far below what
 * any server does, so the rate h2load reaches against it is the most h2load can drive at that shape and size: where a
 * server comes close to it, h2load is the limit, not the server (issue 12; docs/benchmarks.md §14). It does not keep
 * to the peer's flow-control windows: it is made for h2load, whose windows are 1 GiB unless told otherwise.
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

/** The frames of one answer, stream id 0 in each frame header (bytes 5-8, written per stream). */
function answerFrames(): Buffer[] {
  const message = Buffer.concat([Buffer.from([0x0a, ...varint(payloadBytes)]), Buffer.alloc(payloadBytes, 0x78)]);
  const grpcFrame = Buffer.alloc(5 + message.length);
  grpcFrame.writeUInt32BE(message.length, 1);
  message.copy(grpcFrame, 5);
  const frames = [frame(HEADERS, END_HEADERS, 0, literalHeaders([[":status", "200"], ["content-type", "application/grpc"]]))];
  for (let offset = 0; offset < grpcFrame.length; offset += PEER_MAX_FRAME) {
    frames.push(frame(DATA, 0, 0, grpcFrame.subarray(offset, offset + PEER_MAX_FRAME)));
  }
  frames.push(frame(HEADERS, END_HEADERS | END_STREAM, 0, literalHeaders([["grpc-status", "0"]])));
  return frames;
}

/**
 * Up to this size an answer is copied whole per stream (one buffer, one write per input chunk); above it, each
 * stream gets its own frame headers and shares the DATA payloads, written by reference, so that large answers cost
 * no copy here.
 */
const COPY_WHOLE_MAX = 4096;
const frames = answerFrames();
const whole = Buffer.concat(frames);
const wholeIdOffsets: number[] = [];
for (let i = 0, at = 0; i < frames.length; at += (frames[i] as Buffer).length, i++) wholeIdOffsets.push(at + 5);

/** Appends the answer for `streamId` to `out`. */
function answer(streamId: number, out: Buffer[]): void {
  if (whole.length <= COPY_WHOLE_MAX) {
    const reply = Buffer.from(whole);
    for (const offset of wholeIdOffsets) reply.writeUInt32BE(streamId, offset);
    out.push(reply);
    return;
  }
  for (const f of frames) {
    const header = Buffer.from(f.subarray(0, f[3] === DATA ? 9 : f.length));
    header.writeUInt32BE(streamId, 5);
    out.push(header);
    if (f[3] === DATA) out.push(f.subarray(9));
  }
}

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

/**
 * Reads frame headers only: a payload is skipped where it lies (DATA, and everything else but PING), so request
 * bytes are never copied; a frame header or a PING payload split between two reads is gathered in `partial`.
 */
function serve(socket: net.Socket): void {
  socket.setNoDelay(true);
  socket.on("error", () => socket.destroy());
  socket.write(SERVER_PREFACE);
  let prefaceLeft = CLIENT_PREFACE_BYTES;
  let skip = 0; // payload bytes of the current frame still to pass over
  const partial = Buffer.alloc(9 + 8); // a frame header, then a PING's payload
  let partialLength = 0;
  let pingWanted = 0; // bytes of a PING payload still to gather after its header
  let dataSinceUpdate = 0;

  const onFrameHeader = (header: Buffer, out: Buffer[]): void => {
    const length = header.readUIntBE(0, 3);
    const type = header[3] ?? 0, flags = header[4] ?? 0, streamId = header.readUInt32BE(5) & 0x7fff_ffff;
    if (type === DATA) dataSinceUpdate += length;
    if (type === SETTINGS && (flags & ACK) === 0) out.push(SETTINGS_ACK);
    if (type === GOAWAY) socket.end();
    if ((type === DATA || type === HEADERS) && (flags & END_STREAM) !== 0 && streamId !== 0) answer(streamId, out);
    if (type === PING && (flags & ACK) === 0 && length === 8) pingWanted = 8;
    else skip = length;
  };

  socket.on("data", (chunk: Buffer) => {
    const out: Buffer[] = [];
    let at = 0;
    if (prefaceLeft > 0) {
      at = Math.min(prefaceLeft, chunk.length);
      prefaceLeft -= at;
    }
    while (at < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - at);
        skip -= n;
        at += n;
        continue;
      }
      if (pingWanted > 0) {
        const n = Math.min(pingWanted, chunk.length - at);
        chunk.copy(partial, 9 + 8 - pingWanted, at, at + n);
        pingWanted -= n;
        at += n;
        if (pingWanted === 0) out.push(frame(PING, ACK, 0, partial.subarray(9, 17)));
        continue;
      }
      if (partialLength === 0 && chunk.length - at >= 9) {
        onFrameHeader(chunk.subarray(at, at + 9), out);
        at += 9;
        continue;
      }
      const n = Math.min(9 - partialLength, chunk.length - at);
      chunk.copy(partial, partialLength, at, at + n);
      partialLength += n;
      at += n;
      if (partialLength === 9) {
        partialLength = 0;
        onFrameHeader(partial.subarray(0, 9), out);
      }
    }
    // Give the connection window back long before it runs out (stream windows are 2^31-1 each).
    if (dataSinceUpdate > 1 << 30) {
      const increment = Buffer.alloc(4);
      increment.writeUInt32BE(dataSinceUpdate, 0);
      out.push(frame(0x8, 0, 0, increment));
      dataSinceUpdate = 0;
    }
    if (out.length === 0) return;
    if (whole.length <= COPY_WHOLE_MAX) {
      socket.write(out.length === 1 ? (out[0] as Buffer) : Buffer.concat(out));
      return;
    }
    socket.cork();
    for (const piece of out) socket.write(piece);
    socket.uncork();
  });
}

const server = net.createServer(serve);
server.listen(port, "127.0.0.1", () => {
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  process.stdout.write(`canned-h2-server listening on tcp://127.0.0.1:${bound} (${payloadBytes}-byte answers)\n`);
});
for (const signal of ["SIGTERM", "SIGINT"] as const) process.on(signal, () => process.exit(0));
