/**
 * Echo messages and gRPC frames encoded by hand, for tests that talk to a server through a raw HTTP/2 peer (or feed
 * the comparison servers what h2load sends them) without fastgrpc's codec in between.
 */

export function protobufVarint(value: number): number[] {
  const bytes: number[] = [];
  let rest = value;
  for (; rest > 0x7f; rest >>>= 7) bytes.push((rest & 0x7f) | 0x80);
  bytes.push(rest);
  return bytes;
}

/** EchoRequest/EchoResponse { bytes payload = 1 }. */
export function echoMessage(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([0x0a, ...protobufVarint(payload.length)]), payload]);
}

/** `message` in its 5-byte gRPC frame, flagged compressed or not. */
export function grpcFrame(message: Buffer, compressed = false): Buffer {
  const head = Buffer.alloc(5);
  head[0] = compressed ? 1 : 0;
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

/** An EchoRequest{payload} in its uncompressed gRPC frame, as perf/compare/echo-request.py writes it for h2load. */
export function echoRequestFrame(payload: Buffer): Buffer {
  return grpcFrame(echoMessage(payload));
}
