/** RFC 9113 section 8 (HTTP message exchange, field validation) and RFC 7541 decoding errors; engine as server. */
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { E, F, grpcFrame, data, headers, literalBlock, requestFields } from "../support/frames.js";
import { echoRequest, expectEchoResponse, requestHeaders, serverHarness } from "../support/server-harness.js";

const BASE: Array<[string, string]> = [[":method", "POST"], [":scheme", "http"], [":path", "/test.Echo/Echo"]];

describe("server 8.1 HTTP request validation", () => {
  const h = serverHarness();

  const malformed: Array<[string, Array<[string, string]>]> = [
    ["an upper-case field name", [...BASE, ["X-Upper", "1"]]],
    ["an unknown pseudo-header", [...BASE, [":foo", "bar"]]],
    ["a response pseudo-header in a request", [...BASE, [":status", "200"]]],
    ["a pseudo-header after a regular field", [[":method", "POST"], ["x-a", "1"], [":scheme", "http"], [":path", "/x"]]],
    ["a duplicated :path", [...BASE, [":path", "/again"]]],
    ["a duplicated :method", [...BASE, [":method", "GET"]]],
    ["no :method", [[":scheme", "http"], [":path", "/x"]]],
    ["no :scheme", [[":method", "POST"], [":path", "/x"]]],
    ["no :path", [[":method", "POST"], [":scheme", "http"]]],
    ["an empty :path", [[":method", "POST"], [":scheme", "http"], [":path", ""]]],
    ["a connection-specific field", [...BASE, ["connection", "keep-alive"]]],
    ["transfer-encoding", [...BASE, ["transfer-encoding", "chunked"]]],
    ["te other than trailers", [...BASE, ["te", "gzip"]]],
    ["a field value with a line feed", [...BASE, ["x-a", "a\nb"]]],
    ["a field value with leading space", [...BASE, ["x-a", " a"]]],
    ["a field name with a space", [...BASE, ["x a", "1"]]],
    ["an invalid content-length", [...BASE, ["content-length", "12a"]]],
  ];

  for (const [what, fields] of malformed) {
    it(`${what}: PROTOCOL_ERROR stream error`, async () => {
      const p = await h.peer();
      p.send(headers(1, literalBlock(fields), F.END_HEADERS | F.END_STREAM));
      await p.expectStreamError(1, E.PROTOCOL_ERROR);
      p.send(echoRequest(p, 3));
      await expectEchoResponse(p, 3);
    });
  }

  it("trailers with a pseudo-header: PROTOCOL_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), headers(1, literalBlock([[":path", "/x"]]), F.END_HEADERS | F.END_STREAM));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
  });

  it("trailers without END_STREAM: PROTOCOL_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1, "/test.Echo/Hold"), headers(1, literalBlock([["x-t", "1"]])));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
  });

  it("request trailers end the request body", async () => {
    const p = await h.peer();
    p.send(requestHeaders(p, 1), data(1, grpcFrame(Buffer.from("hi"))),
      headers(1, literalBlock([["x-t", "1"]]), F.END_HEADERS | F.END_STREAM));
    await expectEchoResponse(p, 1);
  });

  it("DATA not matching content-length: PROTOCOL_ERROR stream error", async () => {
    const p = await h.peer();
    p.send(headers(1, literalBlock([...BASE, ["content-length", "3"]])), data(1, Buffer.from("toolong"), F.END_STREAM));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
  });

  it("a matching content-length is accepted", async () => {
    const p = await h.peer();
    const body = grpcFrame(Buffer.from("hi"));
    p.send(headers(1, literalBlock([...BASE, ["content-length", String(body.length)]])), data(1, body, F.END_STREAM));
    await expectEchoResponse(p, 1);
  });

  it("hands the request headers and metadata to the dispatcher", async () => {
    const p = await h.peer();
    p.send(headers(1, literalBlock([...requestFields("/test.Echo/Metadata"), ["x-one", "1"], ["x-multi", "a"], ["x-multi", "b"]])),
      data(1, grpcFrame(Buffer.from("m")), F.END_STREAM));
    const hb = await p.nextHeaders(1);
    assert.deepEqual(hb.fields.filter(([n]) => n.startsWith("x-")), [["x-one", "1"], ["x-multi", "a"], ["x-multi", "b"]]);
  });

  it("a request header list over the limit is answered 431 without closing the connection", async () => {
    const p = await h.peer();
    const big = Array.from({ length: 40 }, (_, i): [string, string] => [`x-h${i}`, "v".repeat(500)]);
    const block = literalBlock([...BASE, ...big]);
    p.send(headers(1, block.subarray(0, 16000), F.END_STREAM), Buffer.alloc(0));
    const { frame: mk, T } = await import("../support/frames.js");
    p.send(mk(T.CONTINUATION, F.END_HEADERS, 1, block.subarray(16000)));
    const hb = await p.nextHeaders(1);
    assert.ok(hb.fields.some(([n, v]) => n === ":status" && v === "431"));
    assert.ok(hb.fields.some(([n, v]) => n === "grpc-status" && v === "8"));
    p.send(echoRequest(p, 3));
    await expectEchoResponse(p, 3);
  });
});

describe("server HPACK (RFC 7541) errors and state", () => {
  const h = serverHarness();

  it("an index beyond the tables: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([0x82, 0x86, 0xff, 0x30]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("a table size update above SETTINGS_HEADER_TABLE_SIZE: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([0x3f, 0xe1, 0x7f, 0x82]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("a table size update after a field: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([0x82, 0x20]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("a Huffman string with an EOS symbol: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([0x82, 0x04, 0x84, 0xff, 0xff, 0xff, 0xff]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("a truncated header block: COMPRESSION_ERROR", async () => {
    const p = await h.peer();
    p.send(headers(1, Buffer.from([0x82, 0x44, 0x0a, 0x2f]), F.END_HEADERS | F.END_STREAM));
    await p.expectConnectionError(E.COMPRESSION_ERROR);
  });

  it("keeps the dynamic table in step over many requests (indexed fields)", async () => {
    const p = await h.peer();
    for (let sid = 1; sid <= 41; sid += 2) p.send(echoRequest(p, sid, `r${sid}`));
    for (let sid = 1; sid <= 41; sid += 2) await expectEchoResponse(p, sid, `r${sid}`);
  });

  it("decodes header blocks of refused and reset streams (the table stays in step)", async () => {
    const p = await h.peer();
    // Malformed (missing :scheme), but with indexed insertions the next request refers to.
    p.send(headers(1, p.encoder.encode([[":method", "POST"], [":path", "/test.Echo/Echo"], ["x-new", "inserted"]]),
      F.END_HEADERS | F.END_STREAM));
    await p.expectStreamError(1, E.PROTOCOL_ERROR);
    p.send(requestHeaders(p, 3, "/test.Echo/Echo", F.END_HEADERS, [["x-new", "inserted"]]),
      data(3, grpcFrame(Buffer.from("hi")), F.END_STREAM));
    await expectEchoResponse(p, 3);
  });
});
