/**
 * gRPC status as HTTP/2 header fields, for every engine: the grpc-status / grpc-message trailers (the
 * percent-encoding of grpc-message from doc/PROTOCOL-HTTP2.md) and their decoding on the client side.
 */
import type { Code } from "../errors/codes.js";

/** A header field as engines build them: [name, value]. */
export type StatusField = readonly [string, string];

/** Percent-encodes grpc-message: bytes outside 0x20-0x7E and '%' become %XX of their UTF-8 bytes. */
export function encodeGrpcMessage(message: string): string {
  let plain = true;
  for (let i = 0; i < message.length; i++) {
    const c = message.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) { plain = false; break; }
  }
  if (plain) return message;
  let out = "";
  for (const byte of Buffer.from(message, "utf8")) {
    out += byte < 0x20 || byte > 0x7e || byte === 0x25 ? `%${byte.toString(16).toUpperCase().padStart(2, "0")}` : String.fromCharCode(byte);
  }
  return out;
}

/** Decodes grpc-message; malformed escapes are kept as they are, as the protocol document asks. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes("%")) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && i + 2 < value.length && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      for (const b of Buffer.from(value.charAt(i), "utf8")) bytes.push(b);
    }
  }
  return Buffer.from(bytes).toString("utf8");
}

/** Appends grpc-status and, when there is one, the percent-encoded grpc-message to a field list. */
export function pushStatusFields(fields: StatusField[], code: Code | number, message: string): void {
  fields.push(["grpc-status", String(code)]);
  if (message !== "") fields.push(["grpc-message", encodeGrpcMessage(message)]);
}

/** The status trailers as a header object (engines that take objects, such as node:http2), after any metadata. */
export function statusTrailerObject(
  code: Code | number, message: string, metadata?: Readonly<Record<string, string | string[]>>,
): Record<string, string | string[]> {
  const trailers: Record<string, string | string[]> = metadata ? { ...metadata } : {};
  const fields: StatusField[] = [];
  pushStatusFields(fields, code, message);
  for (const [name, value] of fields) trailers[name] = value;
  return trailers;
}
