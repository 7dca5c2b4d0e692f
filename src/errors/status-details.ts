/**
 * Rich error details: the google.rpc.Status message that gRPC servers send, serialized, in the
 * grpc-status-details-bin trailer (the same model as grpc-js's @grpc/grpc-js + google-protobuf helpers, Go's
 * status.WithDetails and connect-es's ConnectError.details). Encoding happens only for errors that carry details,
 * decoding only when the trailer is present: calls without them never come here.
 */
import { create, fromBinary, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";
import { type Any, AnySchema, anyIs, anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { StatusSchema } from "../gen/google/rpc/status_pb.js";

/** The trailer that carries the serialized google.rpc.Status. */
export const STATUS_DETAILS_KEY = "grpc-status-details-bin";

/** A detail to send: its schema and the message (or an init object for it), e.g. `{ desc: ErrorInfoSchema, value: { reason } }`. */
export interface OutgoingDetail<Desc extends DescMessage = DescMessage> {
  readonly desc: Desc;
  readonly value: MessageInitShape<Desc>;
}

/** A detail as received (or as packed for sending): the fully-qualified type name and the encoded message. */
export interface ErrorDetail {
  readonly typeName: string;
  readonly value: Uint8Array;
}

/** Builds a detail to attach to a GrpcError: `detail(ErrorInfoSchema, { reason: "QUOTA", domain: "example.com" })`. */
export function detail<Desc extends DescMessage>(desc: Desc, value: MessageInitShape<Desc>): OutgoingDetail<Desc> {
  return { desc, value };
}

/** Packs outgoing details into Any messages, as they travel. */
export function packDetails(details: readonly (OutgoingDetail | ErrorDetail)[]): ErrorDetail[] {
  return details.map((one) => {
    if ("typeName" in one) return one;
    return fromAny(anyPack(one.desc, create(one.desc, one.value)));
  });
}

/** A packed detail as an ErrorDetail: the type name is what follows the last "/" of the type URL. */
function fromAny(packed: Any): ErrorDetail {
  return { typeName: packed.typeUrl.slice(packed.typeUrl.lastIndexOf("/") + 1), value: packed.value };
}

function toAny(one: ErrorDetail): Any {
  return create(AnySchema, { typeUrl: `type.googleapis.com/${one.typeName}`, value: one.value });
}

/** The grpc-status-details-bin value (base64, unpadded) for a status with details. */
export function encodeStatusDetails(code: number, message: string, details: readonly ErrorDetail[]): string {
  const bytes = toBinary(StatusSchema, create(StatusSchema, { code, message, details: details.map(toAny) }));
  return Buffer.from(bytes).toString("base64").replace(/=+$/, "");
}

/**
 * The details in a received grpc-status-details-bin value, or [] when it is absent or not a google.rpc.Status
 * (a peer's broken trailer must not hide the status itself).
 */
export function decodeStatusDetails(value: string | string[] | undefined): ErrorDetail[] {
  const text = Array.isArray(value) ? value[0] : value;
  if (text === undefined || text === "") return [];
  try {
    const status = fromBinary(StatusSchema, Buffer.from(text, "base64"));
    return status.details.map(fromAny);
  } catch {
    return [];
  }
}

/** The details of type `desc`, decoded (those that fail to decode are left out). */
export function findDetails<Desc extends DescMessage>(details: readonly ErrorDetail[], desc: Desc): MessageShape<Desc>[] {
  const out: MessageShape<Desc>[] = [];
  for (const one of details) {
    const any = toAny(one);
    if (!anyIs(any, desc)) continue;
    try {
      const message = anyUnpack(any, desc);
      if (message !== undefined) out.push(message);
    } catch {
      // not decodable as the named type: skip it
    }
  }
  return out;
}
