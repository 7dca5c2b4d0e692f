import { fromBinary, toBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";

/** Turns messages into bytes and back. The gRPC layer only ever sees this interface. */
export interface Codec<T> {
  encode(value: T): Uint8Array;
  decode(bytes: Uint8Array): T;
}

/** The protobuf-es binary codec for a generated message schema. */
export function protobufCodec<Desc extends DescMessage>(schema: Desc): Codec<MessageShape<Desc>> {
  return {
    encode: (value) => toBinary(schema, value),
    decode: (bytes) => fromBinary(schema, bytes),
  };
}
