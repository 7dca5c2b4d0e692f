/**
 * The response headers and OK trailers a connection sends again and again go through its HPACK encoder: the first
 * time they enter the dynamic table, then they are indexed octets (what C++ gRPC sends), re-sent as they are while
 * the table is unchanged and re-encoded after any change (other headers inserted, a table size update).
 */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HpackDecoder, HpackEncoder } from "../../src/engine/h2/hpack/index.js";
import { type BlockEncoder, RepeatedBlock } from "../../src/engine/h2/repeated-block.js";
import { data, F, grpcFrame, headers, requestFields, T } from "./support/frames.js";
import { RawPeer } from "./support/raw-peer.js";
import { startEchoServer } from "./support/echo-server.js";

const RESPONSE: Array<[string, string]> = [[":status", "200"], ["content-type", "application/grpc"]];
const OK: Array<[string, string]> = [["grpc-status", "0"]];

function blocksOver(encoder: HpackEncoder): BlockEncoder {
  return { encoder, encode: (fields) => encoder.encode(fields) };
}

function decoded(decoder: HpackDecoder, block: Uint8Array): Array<[string, string]> {
  const fields: Array<[string, string]> = [];
  decoder.decode(block, (name, value) => fields.push([name, value]));
  return fields;
}

describe("RepeatedBlock", () => {
  it("inserts its fields the first time, then is indexed octets, then the same block while the table is unchanged", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const blocks = blocksOver(encoder);
    const response = new RepeatedBlock(RESPONSE);
    const ok = new RepeatedBlock(OK);
    const first = response.take(blocks);
    const firstOk = ok.take(blocks);
    assert.ok(first !== null && firstOk !== null);
    assert.deepEqual(decoded(decoder, first), RESPONSE);
    assert.deepEqual(decoded(decoder, firstOk), OK);
    const second = response.take(blocks);
    const secondOk = ok.take(blocks);
    assert.ok(second !== null && secondOk !== null);
    assert.deepEqual(Array.from(second), [0x88, 0xbf], ":status 200 (static 8), content-type (dynamic 63)");
    assert.deepEqual(Array.from(secondOk), [0xbe], "grpc-status: 0 (dynamic 62)");
    assert.deepEqual(decoded(decoder, second), RESPONSE);
    assert.deepEqual(decoded(decoder, secondOk), OK);
    assert.equal(response.take(blocks), second, "kept and sent again as it is");
    assert.equal(ok.take(blocks), secondOk);
  });

  it("is encoded again after other headers change the table, and after a size update", () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const blocks = blocksOver(encoder);
    const ok = new RepeatedBlock(OK);
    const send = (block: Uint8Array | null): Array<[string, string]> => {
      assert.ok(block !== null);
      return decoded(decoder, block);
    };
    send(ok.take(blocks));
    const indexed = ok.take(blocks);
    assert.deepEqual(send(indexed), OK);
    // Response metadata inserts an entry: grpc-status: 0 moves from index 62 to 63.
    assert.deepEqual(send(encoder.encode([["x-meta", "one"]])), [["x-meta", "one"]]);
    const moved = ok.take(blocks);
    assert.notEqual(moved, indexed);
    assert.deepEqual(Array.from(moved ?? []), [0xbf]);
    assert.deepEqual(send(moved), OK);
    // The peer shrinks the table to 0 and back: the update empties both tables, so the field is a literal again.
    encoder.setMaxTableSize(0);
    encoder.setMaxTableSize(4096);
    const afterUpdate = ok.take(blocks);
    assert.equal((afterUpdate?.[0] ?? 0) & 0xe0, 0x20, "starts with a size update");
    assert.deepEqual(send(afterUpdate), OK);
    assert.deepEqual(send(ok.take(blocks)), OK);
    assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
  });

  it("stays in step with the peer's decoder through any mix of repeated and other blocks", () => {
    const encoder = new HpackEncoder({ maxTableSize: 256 });
    const decoder = new HpackDecoder();
    decoder.setMaxTableSize(256);
    const blocks = blocksOver(encoder);
    const response = new RepeatedBlock(RESPONSE);
    const ok = new RepeatedBlock(OK);
    let seed = 7;
    const rand = (n: number): number => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed % n;
    };
    for (let i = 0; i < 2000; i++) {
      const pick = rand(4);
      if (pick === 0) assert.deepEqual(decoded(decoder, response.take(blocks) ?? new Uint8Array()), RESPONSE);
      else if (pick === 1) assert.deepEqual(decoded(decoder, ok.take(blocks) ?? new Uint8Array()), OK);
      else if (pick === 2) {
        const fields: Array<[string, string]> = [[`x-${rand(20)}`, "v".repeat(rand(40))]];
        assert.deepEqual(decoded(decoder, encoder.encode(fields)), fields);
      } else if (rand(10) === 0) {
        encoder.setMaxTableSize(rand(2) === 0 ? 0 : 256);
      }
    }
    assert.deepEqual(decoder.tableEntries(), encoder.tableEntries());
  });
});

describe("the h2 server's repeated blocks on the wire", () => {
  it("answers a connection's second and later calls with 2-octet headers and 1-octet OK trailers", async () => {
    const server = await startEchoServer();
    const peer = await RawPeer.connect(server.port);
    try {
      await peer.handshake();
      const sizes: Array<[number, number]> = [];
      for (const sid of [1, 3, 5]) {
        peer.send(headers(sid, peer.encoder.encode(requestFields())), data(sid, grpcFrame(Buffer.from("hi")), F.END_STREAM));
        const head = await peer.nextHeaders(sid);
        const trailers = await peer.nextHeaders(sid);
        assert.deepEqual(head.fields, RESPONSE);
        assert.deepEqual(trailers.fields, OK);
        assert.ok((trailers.flags & F.END_STREAM) !== 0);
        sizes.push([head.octets, trailers.octets]);
      }
      assert.ok((sizes[0]?.[0] ?? 0) > 2 && (sizes[0]?.[1] ?? 0) > 1, `the first call inserts its fields: ${JSON.stringify(sizes)}`);
      assert.deepEqual(sizes.slice(1), [[2, 1], [2, 1]]);
      // Metadata on a response changes the table; the next plain call is still answered correctly.
      peer.send(headers(7, peer.encoder.encode(requestFields("/test.Echo/Metadata", [["x-a", "1"]]))),
        data(7, grpcFrame(Buffer.from("md")), F.END_STREAM));
      const withMetadata = await peer.nextHeaders(7);
      assert.ok(withMetadata.fields.some(([name, value]) => name === "x-a" && value === "1"));
      await peer.nextHeaders(7);
      peer.send(headers(9, peer.encoder.encode(requestFields())), data(9, grpcFrame(Buffer.from("hi")), F.END_STREAM));
      assert.deepEqual((await peer.nextHeaders(9)).fields, RESPONSE);
      assert.deepEqual((await peer.nextHeaders(9)).fields, OK);
      assert.equal(peer.frames.some((f) => f.type === T.GOAWAY), false);
    } finally {
      peer.close();
      await server.close();
    }
  });
});
