/**
 * The raw node:http2 answer to fastgrpc.echo.v1.EchoService/Download, for perf/download-compare.sh: the least a
 * server on node:http2 can do to stream `count` messages of `message_bytes` bytes. The request (one gRPC frame:
 * uint32 count = 1, uint32 message_bytes = 2) is read with a hand-written varint parser; ONE frame (5-byte prefix,
 * field tag, length, random payload) is built per call and written `count` times by reference, as fast as the
 * stream takes it (write()'s return value, then 'drain'); trailers on wantTrailers. Same limits as fastgrpc's
 * Download: a message above 4 MiB is RESOURCE_EXHAUSTED (8), more than 64 GiB in all INVALID_ARGUMENT (3).
 */
import { randomBytes } from "node:crypto";
import type http2 from "node:http2";

export const DOWNLOAD_PATH = "/fastgrpc.echo.v1.EchoService/Download";
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const MAX_DOWNLOAD_BYTES = 64 * 1024 * 1024 * 1024;

interface DownloadRequest {
  count: number;
  messageBytes: number;
}

export function serveDownload(stream: http2.ServerHttp2Stream): void {
  const chunks: Buffer[] = [];
  stream.on("data", (chunk: Buffer) => chunks.push(chunk));
  stream.on("end", () => {
    if (stream.destroyed || stream.closed) return;
    const request = parseRequest(chunks.length === 1 ? chunks[0] ?? Buffer.alloc(0) : Buffer.concat(chunks));
    if (request === null) return answerStatus(stream, 13, "malformed request");
    if (request.messageBytes > MAX_MESSAGE_BYTES) return answerStatus(stream, 8, "message_bytes above 4 MiB");
    if (request.count * request.messageBytes > MAX_DOWNLOAD_BYTES) return answerStatus(stream, 3, "more than 64 GiB");
    stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
    stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
    const frame = messageFrame(request.messageBytes);
    let left = request.count;
    const writeMore = (): void => {
      while (left > 0) {
        if (stream.destroyed || stream.closed) return;
        left--;
        if (!stream.write(frame)) {
          stream.once("drain", writeMore);
          return;
        }
      }
      stream.end();
    };
    writeMore();
  });
}

function answerStatus(stream: http2.ServerHttp2Stream, code: number, message: string): void {
  stream.respond({ ":status": 200, "content-type": "application/grpc", "grpc-status": String(code), "grpc-message": message }, { endStream: true });
}

/** A gRPC frame holding a DownloadResponse with `payloadBytes` random bytes in field 1. */
function messageFrame(payloadBytes: number): Buffer {
  const length = payloadBytes === 0 ? [] : varint(payloadBytes);
  const messageBytes = payloadBytes === 0 ? 0 : 1 + length.length + payloadBytes;
  const frame = Buffer.allocUnsafe(5 + messageBytes);
  frame[0] = 0;
  frame.writeUInt32BE(messageBytes, 1);
  if (payloadBytes > 0) {
    frame[5] = 0x0a; // field 1, length-delimited
    Buffer.from(length).copy(frame, 6);
    randomBytes(payloadBytes).copy(frame, 6 + length.length);
  }
  return frame;
}

function varint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  while (rest >= 0x80) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 0x80);
  }
  bytes.push(rest);
  return bytes;
}

/** The request's two uint32 fields from its one uncompressed frame, or null when it is not that. */
function parseRequest(body: Buffer): DownloadRequest | null {
  if (body.length < 5 || body[0] !== 0 || body.readUInt32BE(1) !== body.length - 5) return null;
  const request: DownloadRequest = { count: 0, messageBytes: 0 };
  let at = 5;
  while (at < body.length) {
    const tag = body[at++];
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = body[at++];
      if (byte === undefined || scale > 2 ** 28) return null;
      value += (byte & 0x7f) * scale;
      scale *= 0x80;
      if (byte < 0x80) break;
    }
    if (tag === 0x08) request.count = value;
    else if (tag === 0x10) request.messageBytes = value;
    else return null; // only the two varint fields exist
  }
  return request;
}
