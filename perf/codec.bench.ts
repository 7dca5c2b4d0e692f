/**
 * Encode/decode cost of a 64-byte EchoRequest: protobuf-es v2 against the compiled flat codec.
 * Usage: node dist/perf/codec.bench.js [iterations]
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EchoRequestSchema } from "../src/gen/fastgrpc/echo/v1/echo_pb.js";
import { compileFlatCodec } from "../src/protocol/flat-codec.js";

const iterations = Number(process.argv[2] ?? 1_000_000);
const message = create(EchoRequestSchema, { payload: new Uint8Array(64).fill(0x78) });
const bytes = toBinary(EchoRequestSchema, message);
const flat = compileFlatCodec(EchoRequestSchema);
if (flat === undefined) throw new Error("EchoRequest should be flat");

function measure(name: string, run: () => number): void {
  let best = Infinity;
  for (let round = 0; round < 5; round++) {
    let sink = 0;
    const start = process.hrtime.bigint();
    for (let i = 0; i < iterations; i++) sink += run();
    const ns = Number(process.hrtime.bigint() - start) / iterations;
    if (sink < 0) throw new Error("unreachable");
    best = Math.min(best, ns);
  }
  process.stdout.write(`${name.padEnd(36)} ${best.toFixed(0).padStart(6)} ns/op (best of 5)\n`);
}

measure("protobuf-es fromBinary", () => fromBinary(EchoRequestSchema, bytes).payload.length);
measure("protobuf-es toBinary", () => toBinary(EchoRequestSchema, message).length);
measure("flat codec decode", () => flat.decode(bytes).payload.length);
measure("flat codec encode", () => flat.encode(message).length);
measure("flat codec encode with gRPC prefix", () => flat.encodeFramed(message).length);
