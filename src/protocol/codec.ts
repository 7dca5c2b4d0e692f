import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { compileFlatCodec } from "./flat-codec.js";
import { encodeFrame } from "./framing.js";
import type { WireFrame } from "./wire-frame.js";

/** Turns messages into bytes and back. The gRPC layer only ever sees this interface. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
  /** The message already in its gRPC length-prefixed frame: one allocation and no copy (the flat codec has it). */
  encodeFramed?(value: T): Uint8Array;
  /** The frame with large bytes fields by reference (wire-frame.ts); only for senders whose engine takes parts. */
  encodeFramedParts?(value: T): WireFrame;
}

/** The gRPC frame of a message: encodeFramed when the codec has it, else encode + a 5-byte prefix (one more copy). */
export function encodeFramedWith<T>(codec: Codec<T>, value: T): Uint8Array {
  return codec.encodeFramed !== undefined ? codec.encodeFramed(value) : encodeFrame(codec.encode(value));
}

/** The frame for an engine: large bytes fields by reference when the codec can do that (the flat codec). */
export function encodeWireFrameWith<T>(codec: Codec<T>, value: T): WireFrame {
  return codec.encodeFramedParts !== undefined ? codec.encodeFramedParts(value) : encodeFramedWith(codec, value);
}

const cache = new WeakMap<DescMessage, Codec<unknown>>();

/**
 * The binary codec for a generated message schema: the compiled flat codec when the message is flat (every
 * fastgrpc service message is), protobuf-es otherwise. Compiled once per schema.
 */
export function protobufCodec<Desc extends DescMessage>(schema: Desc): Codec<MessageShape<Desc>> {
  const cached = cache.get(schema);
  if (cached) return cached as Codec<MessageShape<Desc>>;
  const codec: Codec<MessageShape<Desc>> = compileFlatCodec(schema) ?? {
    encode: (value) => toBinary(schema, value),
    decode: (bytes) => fromBinary(schema, bytes),
  };
  cache.set(schema, codec as Codec<unknown>);
  return codec;
}
